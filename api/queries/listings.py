"""Query fields of accounts and listings: who am I, a listing, its changes for review."""

from __future__ import annotations

import strawberry

from accounts import service as auth_service
from api.context import Context
from api.types.account import Account
from api.types.common import Lang, int_key
from api.types.listing import (
    Listing,
    ListingChange,
    ListingChangeConnection,
    ListingChangeStatus,
    change_connection,
)
from geo.listings import service as listings

Info = strawberry.Info[Context, None]


async def listing_change_by_id(info: Info, global_id: str, lang: str | None) -> ListingChange:
    """A listing change by its global id (its listing's owners and staff only)."""
    change = await listings.get_change(session=info.context.session, actor=info.context.actor,
                                       change_id=int_key(global_id, "ListingChange"))
    return ListingChange.from_model(change)


@strawberry.type
class ListingQueries:
    """Accounts and the listings businesses keep."""

    @strawberry.field(description="The signed-in account; null when anonymous.")
    async def me(self, info: Info) -> Account | None:
        found = await auth_service.get_account(session=info.context.session,
                                               actor=info.context.actor)
        return Account.from_model(found) if found else None

    @strawberry.field(description="A business listing by its destination id: the public part "
                      "for everyone, changes, versions and audit trail for owners and staff.")
    async def listing(self, info: Info, id: strawberry.ID, lang: Lang = None) -> Listing | None:
        state = await listings.listing_state(session=info.context.session,
                                             actor=info.context.actor,
                                             destination_id=int_key(id, "Destination"))
        return Listing(state=state, chain=info.context.chain(lang)) if state else None

    @strawberry.field(description="The listings the signed-in owner keeps.")
    async def my_listings(self, info: Info, lang: Lang = None) -> list[Listing]:
        actor, chain = info.context.actor, info.context.chain(lang)
        found = []
        for destination_id in sorted(actor.destination_ids):
            state = await listings.listing_state(session=info.context.session, actor=actor,
                                                 destination_id=destination_id)
            if state is not None:
                found.append(Listing(state=state, chain=chain))
        return found

    @strawberry.field(description="A proposed change (its listing's owners and staff only).")
    async def listing_change(self, info: Info, id: strawberry.ID) -> ListingChange:
        return await listing_change_by_id(info, id, None)

    @strawberry.field(description="Changes newest first: staff's review queue, or an owner's "
                      "own listings.")
    async def listing_changes(self, info: Info, status: ListingChangeStatus | None = None,
                              listing_id: strawberry.ID | None = None, first: int | None = None,
                              after: str | None = None) -> ListingChangeConnection:
        destination_id = int_key(listing_id, "Destination") if listing_id is not None else None
        return await change_connection(info, destination_id=destination_id, first=first,
                                       after=after, status=status.value if status else None)
