"""Time as the service keeps it: timezone-aware, in UTC; the provinces' calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The provinces' local time (no daylight saving): opening hours and the days counts fall on.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The moment, timezone-aware, in UTC; a naive one (SQLite keeps no offset) is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_day(moment: datetime | None = None) -> date:
    """The calendar day in Asia/Ho_Chi_Minh of a moment (now by default)."""
    return as_utc(moment or utcnow()).astimezone(LOCAL_TZ).date()
