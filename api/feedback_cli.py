"""`tourism feedback purge`: deletes the visitors' contacts kept past the retention period
(TOURISM_FEEDBACK_CONTACT_RETENTION_DAYS); a scheduled call in production runs the same."""

from __future__ import annotations

import asyncio

import typer

from api.db import make_async_engine, make_session_factory
from api.settings import get_settings
from core.time import utcnow
from qr.feedback.handling import purge_contacts

feedback_app = typer.Typer(help="Visitors' feedback.", no_args_is_help=True)


async def purge(database_url: str, retention_days: int) -> int:
    """Deletes the contacts past the retention period of a database; how many."""
    engine = make_async_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            purged = await purge_contacts(session=session, now=utcnow(),
                                          retention_days=retention_days)
            await session.commit()
            return purged
    finally:
        await engine.dispose()


@feedback_app.command("purge")
def purge_command() -> None:
    """Delete the visitors' contacts older than the retention period."""
    settings = get_settings()
    days = settings.feedback.contact_retention_days
    purged = asyncio.run(purge(settings.db.url, days))
    typer.echo(f"{purged} contacts deleted (kept {days} days)")
