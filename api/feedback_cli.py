"""`tourism feedback purge`: deletes the visitors' contacts kept past the retention period
(TOURISM_FEEDBACK_CONTACT_RETENTION_DAYS), as the daily `purge` function does in production
(api/lambda_purge.py)."""

from __future__ import annotations

import asyncio

import typer

from api.lambda_purge import purge
from api.settings import get_settings

feedback_app = typer.Typer(help="Visitors' feedback.", no_args_is_help=True)


@feedback_app.command("purge")
def purge_command() -> None:
    """Delete the visitors' contacts older than the retention period."""
    settings = get_settings()
    purged = asyncio.run(purge(settings))
    typer.echo(f"{purged} contacts deleted (kept {settings.feedback.contact_retention_days} days)")
