"""Demo accounts, in development only: an editor and the owner of one demo hotel. Their
password comes from TOURISM_DEMO_PASSWORD or is generated and printed once."""

from __future__ import annotations

import os
import secrets
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Account
from api.settings import get_settings
from geo.listings import owners
from geo.models import Destination

DEMO_OWNER = "owner@demo.tourism.local"
DEMO_EDITOR = "editor@demo.tourism.local"
DEMO_HOTEL = "becamex-hotel-new-city"


async def load_demo_accounts(*, session: AsyncSession) -> int:
    """Adds the demo accounts when absent (never in production); gives how many were added."""
    if get_settings().server.is_production:
        return 0
    if await session.scalar(select(Account.id).where(Account.email == DEMO_EDITOR)):
        return 0
    password = os.environ.get("TOURISM_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    hotel = await session.scalar(select(Destination.id).where(Destination.slug == DEMO_HOTEL))
    await owners.create_account(session=session, email=DEMO_EDITOR, password=password,
                                 role="editor", display_name="Demo editor")
    await owners.create_account(session=session, email=DEMO_OWNER, password=password,
                                 role="owner", display_name="Becamex Hotel New City",
                                 destination_ids=[hotel] if hotel else [])
    print(f"demo accounts: {DEMO_EDITOR} and {DEMO_OWNER}, password {password} "
          "(shown once; set TOURISM_DEMO_PASSWORD to choose it)", file=sys.stderr)
    return 2
