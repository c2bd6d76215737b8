"""GraphQL types of how busy a site is (geo.occupancy): now and by hour of the week, in
Asia/Ho_Chi_Minh local time."""

from __future__ import annotations

from datetime import datetime

import strawberry

from geo.occupancy import service as occupancy

CrowdLevel = strawberry.enum(
    occupancy.CrowdLevel, name="CrowdLevel",
    description="How busy a site is compared with its own busiest hour of the week: under "
    "30 % QUIET, under 60 % MODERATE, under 85 % BUSY, else VERY_BUSY.")


@strawberry.type(description="The people inside now, by the site's counters.")
class CrowdNow:
    level: occupancy.CrowdLevel
    visitors: int
    at: datetime = strawberry.field(description="The latest reading counted.")


@strawberry.type(description="A local hour of the week and how busy it usually is.")
class CrowdHour:
    weekday: int = strawberry.field(description="0 Monday … 6 Sunday (Asia/Ho_Chi_Minh).")
    hour: int = strawberry.field(description="0 … 23, local time.")
    level: occupancy.CrowdLevel
    visitors: float = strawberry.field(description="The mean number inside, last 8 weeks.")


@strawberry.type(description="How busy a site is, from its people counters.")
class Crowding:
    now: CrowdNow | None = strawberry.field(
        description="Null when no counter posted in the last 15 minutes.")
    by_hour_of_week: list[CrowdHour] = strawberry.field(
        description="The hours of the week that had readings, Monday 00:00 first.")

    @classmethod
    def of(cls, found: occupancy.Crowding) -> Crowding:
        """The GraphQL view of a site's crowding."""
        now = found.now
        return cls(now=CrowdNow(level=now.level, visitors=now.visitors, at=now.at)
                   if now else None,
                   by_hour_of_week=[CrowdHour(weekday=h.weekday, hour=h.hour, level=h.level,
                                              visitors=h.visitors)
                                    for h in found.by_hour_of_week])
