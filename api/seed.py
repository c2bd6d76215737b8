"""Loading the demo data of every area, once, into an empty database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.demo import load_demo_accounts
from geo.demo import load_demo
from media.store import MediaStore
from qr.demo import load_demo_guides
from tours.demo import load_demo_tours


async def seed_all(*, session: AsyncSession, store: MediaStore, if_empty: bool) -> int:
    """Loads the demo destinations, then each area's demo content; gives destinations added."""
    added = await load_demo(session=session, if_empty=if_empty)
    if if_empty and not added:
        return 0
    # Each area adds its demo content here, after the destinations it belongs to.
    await load_demo_tours(session=session, store=store)
    await load_demo_guides(session=session, store=store)  # after the tours (viewpoints)
    await load_demo_accounts(session=session)  # development only: an editor, a hotel owner
    return added
