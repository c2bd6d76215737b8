"""The periods the IOC report covers: a calendar month ("2025-03") or quarter ("2025-Q1") in
Asia/Ho_Chi_Minh, as local days and as the UTC moments they run between."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.time import LOCAL_TZ, as_utc
from qr.errors import QrError
from qr.errors import QrErrorCode as Code

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
FIRST_YEAR = 2000


@dataclass(frozen=True, slots=True)
class Period:
    """A month or a quarter: its label, kind and first and last local days (inclusive)."""

    label: str
    kind: str  # "month" or "quarter"
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """The first moment of the period (UTC): local midnight of its first day."""
        return as_utc(datetime.combine(self.first_day, time(), LOCAL_TZ))

    @property
    def end(self) -> datetime:
        """The first moment after the period (UTC): local midnight after its last day."""
        return as_utc(datetime.combine(self.last_day + timedelta(days=1), time(), LOCAL_TZ))


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def month(year: int, number: int) -> Period:
    """The calendar month."""
    return Period(f"{year:04d}-{number:02d}", "month", date(year, number, 1),
                  _month_end(year, number))


def quarter(year: int, number: int) -> Period:
    """The calendar quarter (1: January to March)."""
    first = 3 * (number - 1) + 1
    return Period(f"{year:04d}-Q{number}", "quarter", date(year, first, 1),
                  _month_end(year, first + 2))


def parse_period(text: str, *, today: date) -> Period:
    """The month ("2025-03") or quarter ("2025-Q1") named, once it has begun on `today` (local);
    INVALID_PERIOD otherwise."""
    cleaned = text.strip().upper()
    found: Period | None = None
    if matched := _MONTH.fullmatch(cleaned):
        found = month(int(matched[1]), int(matched[2]))
    elif matched := _QUARTER.fullmatch(cleaned):
        found = quarter(int(matched[1]), int(matched[2]))
    if found is None:
        raise QrError(Code.INVALID_PERIOD, "a period is a month (2025-03) or a quarter "
                      "(2025-Q1)", field="period")
    if found.first_day.year < FIRST_YEAR or found.first_day > today:
        raise QrError(Code.INVALID_PERIOD, "the period has not begun yet", field="period")
    return found


def previous_period(kind: str, *, today: date) -> Period:
    """The last whole month or quarter before `today` (local): what the schedule reports."""
    last = today.replace(day=1) - timedelta(days=1)
    if kind == "quarter":
        start_month = 3 * ((today.month - 1) // 3) + 1
        last = today.replace(month=start_month, day=1) - timedelta(days=1)
        return quarter(last.year, (last.month - 1) // 3 + 1)
    if kind == "month":
        return month(last.year, last.month)
    raise QrError(Code.INVALID_PERIOD, "a scheduled report is monthly or quarterly",
                  field="kind")
