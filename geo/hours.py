"""Weekly opening hours in local time (Asia/Ho_Chi_Minh): parsing and "open now"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.time import LOCAL_TZ
from geo.errors import GeoError, GeoErrorCode

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Period:
    """Open from opens_minute (inclusive) to closes_minute (exclusive) on weekday (0=Mon)."""

    weekday: int
    opens_minute: int
    closes_minute: int


def _minute(value: Any) -> int:
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                       f"opening time {value!r} is not HH:MM", field="openingHours")
    minute = int(match.group(1)) * 60 + int(match.group(2))
    if minute > MINUTES_PER_DAY:
        raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                       f"opening time {value!r} is past 24:00", field="openingHours")
    return minute


def periods(hours: dict[str, Any] | None) -> list[Period]:
    """The weekly periods of an opening-hours document, overnight periods split at midnight."""
    if not hours:
        return []
    if hours.get("always_open"):
        return [Period(day, 0, MINUTES_PER_DAY) for day in range(7)]
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                       f"unknown weekday keys {sorted(unknown)}", field="openingHours")
    result: list[Period] = []
    for day, key in enumerate(WEEKDAYS):
        for pair in hours.get(key) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                               "each period is [opens, closes]", field="openingHours")
            opens, closes = _minute(pair[0]), _minute(pair[1])
            if opens == closes:
                continue
            if closes > opens:
                result.append(Period(day, opens, closes))
            else:  # past midnight: the rest of today, then the start of tomorrow
                result.append(Period(day, opens, MINUTES_PER_DAY))
                if closes > 0:
                    result.append(Period((day + 1) % 7, 0, closes))
    return result


def local_slot(moment: datetime) -> tuple[int, int]:
    """The local (weekday, minute of day) of an aware moment."""
    local = moment.astimezone(LOCAL_TZ)
    return local.weekday(), local.hour * 60 + local.minute


def is_open(found: list[Period], moment: datetime) -> bool:
    """Whether any period covers the moment."""
    weekday, minute = local_slot(moment)
    return any(p.weekday == weekday and p.opens_minute <= minute < p.closes_minute for p in found)
