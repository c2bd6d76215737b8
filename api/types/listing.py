"""GraphQL types of business listings: their public state, proposed changes, versions, audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from api.types.common import Lang, Node, PageInfo, to_global_id
from api.types.destination import Destination, LocalizedText
from api.types.json_values import camel_json
from core.language import pick
from core.paging import PageRequest, check_first
from geo.listings import models as listing_models
from geo.listings import service as listings
from media.store import MediaStore

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where a proposed change stands.")
class ListingChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="One size of a photo, as JPEG and WebP URLs.")
class PhotoSize:
    jpeg: str
    webp: str


@strawberry.type(description="A checked listing photo, metadata removed, in three sizes.")
class ListingPhoto:
    id: strawberry.ID
    width: int | None
    height: int | None
    thumbnail: PhotoSize | None
    medium: PhotoSize | None
    large: PhotoSize | None

    @classmethod
    def of(cls, photo_id: int, width: int | None, height: int | None,
           variants: dict[str, Any], store: MediaStore) -> ListingPhoto:
        """The GraphQL view of a photo's sizes."""
        def size(name: str) -> PhotoSize | None:
            found = variants.get(name)
            return PhotoSize(jpeg=store.url(found["jpeg"]),
                             webp=store.url(found["webp"])) if found else None

        return cls(id=to_global_id("ListingPhoto", photo_id), width=width, height=height,
                   thumbnail=size("thumbnail"), medium=size("medium"), large=size("large"))


@strawberry.type(description="A day (or days) the business is closed, whatever its hours.")
class SpecialClosure:
    closure: strawberry.Private[dict[str, Any]]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def date(self) -> str:
        found: str = self.closure["date"]
        return found

    @strawberry.field
    def until(self) -> str:
        found: str = self.closure["until"]
        return found

    @strawberry.field
    def reason(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.closure.get("reason"),
                                     info.context.chain(lang, self.chain)))


@strawberry.type(description="A version of a listing as the public saw it.")
class ListingVersion:
    version: int
    created_at: datetime
    change_id: strawberry.ID | None
    content: JSON


@strawberry.type(description="One step of the audit trail: who did what, and when.")
class AuditEvent:
    at: datetime
    action: str
    actor_id: strawberry.ID | None
    change_id: strawberry.ID | None
    detail: JSON


def _gid(type_name: str, key: int | None) -> strawberry.ID | None:
    return to_global_id(type_name, key) if key is not None else None


@strawberry.type(description="A business's proposed edit of its listing, reviewed by staff.")
class ListingChange(Node):
    model: strawberry.Private[listing_models.ListingChange]

    @classmethod
    def from_model(cls, model: listing_models.ListingChange) -> ListingChange:
        """The GraphQL view of a change."""
        return cls(id=to_global_id("ListingChange", model.id), model=model)

    @strawberry.field
    def listing_id(self) -> strawberry.ID:
        return to_global_id("Destination", self.model.destination_id)

    @strawberry.field(description="The listing's destination (drafts included for its owners).")
    async def destination(self, info: Info, lang: Lang = None) -> Destination | None:
        found = await info.context.loaders.listing_destination.load(self.model.destination_id)
        return Destination.from_model(found, info.context.chain(lang)) if found else None

    @strawberry.field
    def status(self) -> ListingChangeStatus:
        return ListingChangeStatus(self.model.status)

    @strawberry.field
    def base_version(self) -> int:
        return self.model.base_version

    @strawberry.field
    def result_version(self) -> int | None:
        return self.model.result_version

    @strawberry.field(description="Why staff rejected it.")
    def reason(self) -> str | None:
        return self.model.reason

    @strawberry.field(description="The proposed fields, as they would be published.")
    def fields(self) -> JSON:
        return camel_json(self.model.fields)

    @strawberry.field
    def proposed_by(self) -> strawberry.ID:
        return to_global_id("Account", self.model.proposed_by)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.model.decided_at


@strawberry.type
class ListingChangeEdge:
    node: ListingChange
    cursor: str


@strawberry.type(description="A page of listing changes, newest first.")
class ListingChangeConnection:
    edges: list[ListingChangeEdge]
    page_info: PageInfo


async def change_connection(info: Info, *, destination_id: int | None, status: str | None,
                            first: int | None, after: str | None) -> ListingChangeConnection:
    """A page of the changes the actor may see."""
    page = PageRequest(first=check_first(first),
                       after=info.context.cursors.decode("changes", after, 1))
    found = await listings.list_changes(session=info.context.session, actor=info.context.actor,
                                        destination_id=destination_id, status=status, page=page)
    cursors = [info.context.cursors.encode("changes", key) for key in found.keys]
    return ListingChangeConnection(
        edges=[ListingChangeEdge(node=ListingChange.from_model(c), cursor=k)
               for c, k in zip(found.items, cursors, strict=True)],
        page_info=PageInfo(has_next_page=found.has_next, has_previous_page=after is not None,
                           start_cursor=cursors[0] if cursors else None,
                           end_cursor=cursors[-1] if cursors else None))


@strawberry.type(description="A business listing as the public sees it, with its version; "
                 "its changes, versions and audit trail are for its owners and staff.")
class Listing:
    state: strawberry.Private[listings.ListingState]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The destination's global id.")
    def id(self) -> strawberry.ID:
        return to_global_id("Destination", self.state.destination.id)

    @strawberry.field(description="The version to base a proposed change on.")
    def version(self) -> int:
        return self.state.version

    @strawberry.field
    def destination(self, info: Info, lang: Lang = None) -> Destination:
        return Destination.from_model(self.state.destination, info.context.chain(lang, self.chain))

    @strawberry.field
    def special_closures(self, info: Info, lang: Lang = None) -> list[SpecialClosure]:
        chain = info.context.chain(lang, self.chain)
        return [SpecialClosure(closure=c, chain=chain)
                for c in self.state.content.get("special_closures", [])]

    @strawberry.field
    def photos(self, info: Info) -> list[ListingPhoto]:
        return [ListingPhoto.of(p["id"], p.get("width"), p.get("height"), p["variants"],
                                info.context.store)
                for p in self.state.content.get("photos", [])]

    @strawberry.field(description="Every public field of the listing, all languages.")
    def content(self) -> JSON:
        return camel_json(self.state.content)

    @strawberry.field(description="Proposed changes of this listing (owners and staff).")
    async def changes(self, info: Info, status: ListingChangeStatus | None = None,
                      first: int | None = None, after: str | None = None
                      ) -> ListingChangeConnection:
        return await change_connection(
            info, destination_id=self.state.destination.id, first=first, after=after,
            status=status.value if status else None)

    @strawberry.field(description="Every kept version, oldest first (owners and staff).")
    async def versions(self, info: Info) -> list[ListingVersion]:
        found = await listings.versions(session=info.context.session, actor=info.context.actor,
                                        destination_id=self.state.destination.id)
        return [ListingVersion(version=v.version, created_at=v.created_at,
                               change_id=_gid("ListingChange", v.change_id),
                               content=camel_json(v.snapshot))
                for v in found]

    @strawberry.field(description="Who did what to this listing, and when (owners and staff).")
    async def audit_trail(self, info: Info) -> list[AuditEvent]:
        found = await listings.audit_trail(session=info.context.session,
                                           actor=info.context.actor,
                                           destination_id=self.state.destination.id)
        return [AuditEvent(at=e.at, action=e.action, actor_id=_gid("Account", e.actor_account_id),
                           change_id=_gid("ListingChange", e.change_id),
                           detail=camel_json(e.detail))
                for e in found]
