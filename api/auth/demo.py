"""Demo accounts, in development only: an editor and the owner of one demo hotel. Their
password comes from TOURISM_DEMO_PASSWORD or is generated and printed once."""

from __future__ import annotations

import os
import secrets
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from accounts import service as accounts
from api.settings import get_settings
from geo import service as geo_service
from geo.listings import owners

DEMO_OWNER = "owner@demo.tourism.local"
DEMO_EDITOR = "editor@demo.tourism.local"
DEMO_HOTEL = "becamex-hotel-new-city"


async def load_demo_accounts(*, session: AsyncSession) -> int:
    """Adds the demo accounts when absent (never in production); gives how many were added."""
    if get_settings().server.is_production:
        return 0
    if await accounts.get_account_by_email(session=session, email=DEMO_EDITOR) is not None:
        return 0
    password = os.environ.get("TOURISM_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    hotel = await geo_service.get_destination_by_slug(session=session, slug=DEMO_HOTEL,
                                                      include_drafts=True)
    await owners.create_account(session=session, email=DEMO_EDITOR, password=password,
                                 role="editor", display_name="Demo editor")
    await owners.create_account(session=session, email=DEMO_OWNER, password=password,
                                 role="owner", display_name="Becamex Hotel New City",
                                 destination_ids=[hotel.id] if hotel else [])
    print(f"demo accounts: {DEMO_EDITOR} and {DEMO_OWNER}, password {password} "
          "(shown once; set TOURISM_DEMO_PASSWORD to choose it)", file=sys.stderr)
    return 2
