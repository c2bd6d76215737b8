"""People counters' counts of a site, and how busy it is now and by hour of the week.

A counter posts how many people are inside the area it watches at a moment (a camera's head
count, a turnstile's entries minus exits). Each post is folded into the counter's row of that
hour (readings, sum, peak, latest). How busy the site is:

- now: the sum of each counter's latest reading, counting counters that posted within the
  last FRESH_MINUTES (none: unknown);
- an hour's visitors: the sum over counters of each one's mean reading in that hour;
- by hour of the week (Asia/Ho_Chi_Minh weekday and hour): the mean of the hours' visitors
  over the last WEEKS weeks, for the slots that had readings;
- a level compares visitors with the site's own busiest slot of the week (its peak): under
  30 % QUIET, under 60 % MODERATE, under 85 % BUSY, else VERY_BUSY.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, PermissionDenied, Role
from core.time import LOCAL_TZ, as_utc
from core.upsert import upsert
from geo.occupancy.errors import OccupancyError
from geo.occupancy.errors import OccupancyErrorCode as Code
from geo.occupancy.models import OccupancyHour

MAX_COUNT = 1_000_000
#: How late a reading may arrive, and how far ahead of the server's clock it may be.
MAX_AGE = timedelta(days=7)
MAX_AHEAD = timedelta(minutes=5)
FRESH_MINUTES = 15
WEEKS = 8
#: Upper bounds of each level, as a share of the site's peak.
THRESHOLDS = ((0.30, "QUIET"), (0.60, "MODERATE"), (0.85, "BUSY"))


class CrowdLevel(StrEnum):
    """How busy a site is compared with its own busiest hour of the week."""

    QUIET = "QUIET"
    MODERATE = "MODERATE"
    BUSY = "BUSY"
    VERY_BUSY = "VERY_BUSY"


@dataclass(frozen=True, slots=True)
class CrowdNow:
    """The visitors inside now and the level that makes."""

    visitors: int
    level: CrowdLevel
    at: datetime


@dataclass(frozen=True, slots=True)
class HourOfWeek:
    """A local weekday (0 Monday … 6 Sunday) and hour, its mean visitors and level."""

    weekday: int
    hour: int
    visitors: float
    level: CrowdLevel


@dataclass(frozen=True, slots=True)
class Crowding:
    """How busy a site is now (None when no counter posted lately) and by hour of the week."""

    now: CrowdNow | None
    by_hour_of_week: list[HourOfWeek]


def level_of(visitors: float, peak: float) -> CrowdLevel:
    """The level of a number of visitors at a site whose busiest slot has `peak`."""
    if peak <= 0:
        return CrowdLevel.QUIET
    share = visitors / peak
    for bound, name in THRESHOLDS:
        if share < bound:
            return CrowdLevel(name)
    return CrowdLevel.VERY_BUSY


async def record_count(*, session: AsyncSession, actor: Actor, counter_id: int,
                       destination_id: int, count: int, at: datetime, now: datetime) -> None:
    """Adds a counter's reading of its own site (a counter key of another site, or any other
    actor, is refused); not committed."""
    if actor.role != Role.COUNTER or destination_id not in actor.destination_ids:
        raise PermissionDenied("this key does not count people at this site")
    if not 0 <= count <= MAX_COUNT:
        raise OccupancyError(Code.INVALID_OCCUPANCY_COUNT,
                             f"a count is between 0 and {MAX_COUNT}", field="count")
    at = as_utc(at)
    if not now - MAX_AGE <= at <= now + MAX_AHEAD:
        raise OccupancyError(Code.INVALID_OCCUPANCY_TIME, "a count is from the last 7 days, "
                             "not the future (send an ISO 8601 time with its offset)",
                             field="at")
    hour = at.replace(minute=0, second=0, microsecond=0)
    insert = upsert(session, OccupancyHour).values(
        destination_id=destination_id, counter_id=counter_id, hour=hour, readings=1,
        total=count, peak=count, last_count=count, last_at=at)
    newer = insert.excluded.last_at >= OccupancyHour.last_at
    await session.execute(insert.on_conflict_do_update(
        index_elements=[OccupancyHour.destination_id, OccupancyHour.counter_id,
                        OccupancyHour.hour],
        set_={"readings": OccupancyHour.readings + 1,
              "total": OccupancyHour.total + insert.excluded.total,
              "peak": case((insert.excluded.peak > OccupancyHour.peak, insert.excluded.peak),
                           else_=OccupancyHour.peak),
              "last_count": case((newer, insert.excluded.last_count),
                                 else_=OccupancyHour.last_count),
              "last_at": case((newer, insert.excluded.last_at), else_=OccupancyHour.last_at)}))


def _crowding(rows: Sequence[OccupancyHour], now: datetime) -> Crowding:
    per_hour: dict[datetime, float] = defaultdict(float)
    latest: dict[int, tuple[datetime, int]] = {}
    for row in rows:
        per_hour[as_utc(row.hour)] += row.total / row.readings
        seen = latest.get(row.counter_id)
        if seen is None or as_utc(row.last_at) > seen[0]:
            latest[row.counter_id] = (as_utc(row.last_at), row.last_count)
    slots: dict[tuple[int, int], list[float]] = defaultdict(list)
    for hour, visitors in per_hour.items():
        local = hour.astimezone(LOCAL_TZ)
        slots[(local.weekday(), local.hour)].append(visitors)
    means = {slot: sum(v) / len(v) for slot, v in slots.items()}
    peak = max(means.values(), default=0.0)
    by_hour = [HourOfWeek(weekday=w, hour=h, visitors=round(v, 1), level=level_of(v, peak))
               for (w, h), v in sorted(means.items())]
    fresh = [(at, count) for at, count in latest.values()
             if at >= now - timedelta(minutes=FRESH_MINUTES)]
    current = None
    if fresh:
        inside = sum(count for _, count in fresh)
        current = CrowdNow(visitors=inside, level=level_of(inside, peak),
                           at=max(at for at, _ in fresh))
    return Crowding(now=current, by_hour_of_week=by_hour)


async def crowding_of_destinations(*, session: AsyncSession, destination_ids: Sequence[int],
                                   now: datetime) -> dict[int, Crowding | None]:
    """How busy each site is (None for a site no counter ever posted for in the last
    WEEKS weeks): one statement for all of them."""
    rows = (await session.execute(
        select(OccupancyHour).where(
            OccupancyHour.destination_id.in_(list(destination_ids)),
            OccupancyHour.hour >= now - timedelta(weeks=WEEKS)))).scalars().all()
    grouped: dict[int, list[OccupancyHour]] = defaultdict(list)
    for row in rows:
        grouped[row.destination_id].append(row)
    return {i: _crowding(grouped[i], now) if grouped.get(i) else None for i in destination_ids}


@dataclass(frozen=True, slots=True)
class SiteOccupancy:
    """A site's counted visitors over a period: the hours with readings, the readings, the
    hours' visitors added up (visitor-hours) and the busiest hour's visitors."""

    destination_id: int
    hours: int
    readings: int
    visitor_hours: float
    peak_visitors: float


async def occupancy_between(*, session: AsyncSession, start: datetime, end: datetime
                            ) -> dict[int, SiteOccupancy]:
    """Each counted site's visitors in the hours from `start` to `end` (UTC, end excluded);
    the caller checks who may read it."""
    rows = (await session.execute(
        select(OccupancyHour.destination_id, OccupancyHour.hour, OccupancyHour.readings,
               OccupancyHour.total)
        .where(OccupancyHour.hour >= start, OccupancyHour.hour < end))).all()
    visitors: dict[int, dict[datetime, float]] = defaultdict(lambda: defaultdict(float))
    readings: dict[int, int] = defaultdict(int)
    for site, hour, count, total in rows:
        visitors[site][as_utc(hour)] += total / count
        readings[site] += count
    return {site: SiteOccupancy(destination_id=site, hours=len(hours), readings=readings[site],
                                visitor_hours=round(sum(hours.values()), 1),
                                peak_visitors=round(max(hours.values()), 1))
            for site, hours in sorted(visitors.items())}
