"""AWS Lambda entry point of the `report` function: writes the IOC report of the month or the
quarter that just ended (`{"kind": "month"}` / `{"kind": "quarter"}`, the schedule's events)
or of a named one (`{"period": "2025-Q1"}`) to the media store, under
`reports/ioc/<period>/`: report.json and one <table>.csv per table (README, The IOC report).
It reads aggregates only and may write only under that prefix."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.pool import NullPool

from accounts.permissions import Actor, Role
from api.db import make_async_engine, make_session_factory
from api.media_store import store_for
from api.settings import get_settings
from core.time import local_day, utcnow
from qr.report.export import report_files
from qr.report.period import Period, parse_period, previous_period
from qr.report.service import ioc_report

log = logging.getLogger("tourism.report")
PREFIX = "reports/ioc"
#: The schedule acts as the IOC's reporting key would: it reads the report, nothing else.
REPORTER = Actor(role=Role.REPORTING)
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def period_of(event: dict[str, Any], *, today: Any) -> Period:
    """The period an event names, or the one of its kind that just ended."""
    if event.get("period"):
        return parse_period(str(event["period"]), today=today)
    return previous_period(str(event.get("kind") or "month"), today=today)


async def _write(event: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    store = store_for(settings)
    engine = make_async_engine(settings.db.url, poolclass=NullPool,
                               statement_timeout_ms=settings.db.statement_timeout_ms)
    try:
        now = utcnow()
        period = period_of(event, today=local_day(now))
        async with make_session_factory(engine)() as session:
            report = await ioc_report(session=session, actor=REPORTER, period=period, now=now)
        keys = []
        for name, text in report_files(report).items():
            key = f"{PREFIX}/{period.label}/{name}"
            store.put(key, text.encode("utf-8"), CONTENT_TYPES[name.rsplit(".", 1)[1]])
            keys.append(key)
    finally:
        await engine.dispose()
    log.info("IOC report %s written: %s", period.label, ", ".join(keys))
    return {"period": period.label, "keys": keys}


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """Writes the report the event names; gives its period and the keys written."""
    return asyncio.run(_write(event or {}))
