"""AWS Lambda entry point of the `purge` function, and the purge `tourism feedback purge` runs:
deletes the visitors' contacts kept past the retention period
(TOURISM_FEEDBACK_CONTACT_RETENTION_DAYS, README, Retention). Scheduled daily; it touches the
feedback's contacts only, and no media."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.pool import NullPool

from api.db import make_async_engine, make_session_factory
from api.settings import Settings, get_settings
from core.time import utcnow
from qr.feedback.handling import purge_contacts

log = logging.getLogger("tourism.purge")


async def purge(settings: Settings) -> int:
    """Deletes the contacts past the settings' retention period in their database; how many."""
    engine = make_async_engine(settings.db.url, poolclass=NullPool,
                               statement_timeout_ms=settings.db.statement_timeout_ms)
    try:
        async with make_session_factory(engine)() as session:
            purged = await purge_contacts(
                session=session, now=utcnow(),
                retention_days=settings.feedback.contact_retention_days)
            await session.commit()
    finally:
        await engine.dispose()
    log.info("%d contacts deleted (kept %d days)", purged,
             settings.feedback.contact_retention_days)
    return purged


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, int]:
    """Deletes the contacts past the retention period; gives how many."""
    return {"purged": asyncio.run(purge(get_settings()))}
