"""Loading the demo data of every area, once, into an empty database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from geo.demo import load_demo
from media.store import MediaStore


async def seed_all(*, session: AsyncSession, store: MediaStore, if_empty: bool) -> int:
    """Loads the demo destinations, then each area's demo content; gives destinations added."""
    added = await load_demo(session=session, if_empty=if_empty)
    if if_empty and not added:
        return 0
    # Each area adds its demo content here, after the destinations it belongs to.
    return added
