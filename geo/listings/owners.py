"""Who keeps which listing: business accounts and the destinations they own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import service as accounts
from accounts.errors import AuthError, AuthErrorCode
from accounts.models import Account
from accounts.permissions import Role
from geo import service as geo_service
from geo.listings.models import DestinationOwner
from geo.models import Destination


async def owned_destination_ids(*, session: AsyncSession, account_id: int) -> frozenset[int]:
    """The destinations whose listing the account keeps today."""
    return frozenset((await session.execute(select(DestinationOwner.destination_id).where(
        DestinationOwner.account_id == account_id))).scalars())


async def create_account(
    *, session: AsyncSession, email: str, password: str, role: str, display_name: str,
    destination_ids: Sequence[int] = (),
) -> Account:
    """Creates an account and, for an owner, the listings it keeps; not committed."""
    if destination_ids and role != Role.OWNER:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "only owners keep listings",
                        field="listings")
    found = set((await session.execute(
        select(Destination.id).where(Destination.id.in_(set(destination_ids))))).scalars())
    if found != set(destination_ids):
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "unknown listing", field="listings")
    account = await accounts.create_account(session=session, email=email, password=password,
                                            role=role, display_name=display_name)
    session.add_all(DestinationOwner(destination_id=d, account_id=account.id, verified=True)
                    for d in sorted(found))
    await session.flush()
    return account


async def create_account_with_listings(
    *, session: AsyncSession, email: str, password: str, role: str, display_name: str,
    listing_slugs: Sequence[str] = (),
) -> Account:
    """Creates an account keeping the listings of these slugs (see create_account); an unknown
    slug is INVALID_ACCOUNT; not committed."""
    ids = await geo_service.destination_ids_by_slug(session=session, slugs=listing_slugs)
    if len(ids) != len(set(listing_slugs)):
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "unknown listing slug", field="listings")
    return await create_account(session=session, email=email, password=password, role=role,
                                display_name=display_name, destination_ids=list(ids.values()))
