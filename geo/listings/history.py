"""Listing changes decided over a period: what the IOC report counts per site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.listings.models import ListingChange
from geo.listings.service import APPROVED


async def approved_changes_by_site(*, session: AsyncSession, start: datetime, end: datetime
                                   ) -> dict[int, int]:
    """How many owners' changes staff approved per site from `start` to `end` (UTC, end
    excluded); the caller checks who may read it."""
    rows = (await session.execute(
        select(ListingChange.destination_id, func.count())
        .where(ListingChange.status == APPROVED, ListingChange.decided_at >= start,
               ListingChange.decided_at < end)
        .group_by(ListingChange.destination_id))).all()
    return {site: int(count) for site, count in rows}
