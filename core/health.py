"""Whether the database answers: what the health check asks."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping_database(*, session: AsyncSession) -> None:
    """Runs the cheapest statement there is; raises when the database does not answer."""
    await session.execute(text("SELECT 1"))
