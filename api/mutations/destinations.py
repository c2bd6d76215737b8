"""Staff mutations of destinations: create (a draft by default), edit, publish, unpublish;
the same services and audit trail as the console's forms (geo/editing.py)."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.mutations.listings import LocalizedTextInput, OpeningHoursInput, SpecialClosureInput
from api.types.common import GeoPointInput, int_key
from api.types.destination import Destination
from geo import editing
from geo.models import Status
from geo.service import NewDestination

Info = strawberry.Info[Context, None]


def _texts(items: list[LocalizedTextInput] | None) -> dict[str, str] | None:
    return None if items is None else {t.lang: t.text for t in items}


@strawberry.input(description="A new destination; `name` needs one language at least.")
class CreateDestinationInput:
    slug: str
    category: str
    province_code: str
    location: GeoPointInput
    name: list[LocalizedTextInput]
    description: list[LocalizedTextInput] | None = None
    address: list[LocalizedTextInput] | None = None
    district: str | None = None
    opening_hours: OpeningHoursInput | None = None
    published: bool = False


@strawberry.input(description="What an edit changes; a field left out stays as it is. A text "
                  "list replaces every language of that text.")
class UpdateDestinationInput:
    name: list[LocalizedTextInput] | None = None
    description: list[LocalizedTextInput] | None = None
    address: list[LocalizedTextInput] | None = None
    category: str | None = None
    province_code: str | None = None
    district: str | None = None
    location: GeoPointInput | None = None
    opening_hours: OpeningHoursInput | None = None
    special_closures: list[SpecialClosureInput] | None = strawberry.field(
        default=None, description="The listing's special closures, the whole list (a new "
        "public version of the listing).")
    cover_photo_id: strawberry.ID | None = strawberry.field(
        default=None, description="A confirmed photo of the listing (startListingPhotoUpload, "
        "confirmListingPhoto) that becomes its cover: first of its photos.")


@strawberry.type
class DestinationMutations:
    """Changes to destinations (department staff only)."""

    @strawberry.mutation(description="Staff: creates a destination (a draft unless published).")
    async def create_destination(self, info: Info, input: CreateDestinationInput
                                 ) -> Destination:
        data = NewDestination(
            slug=input.slug, category=input.category, province_code=input.province_code,
            name=_texts(input.name) or {}, description=_texts(input.description) or {},
            address=_texts(input.address) or {}, district=input.district,
            lat=input.location.lat, lng=input.location.lng,
            opening_hours=input.opening_hours.document() if input.opening_hours else None,
            status=(Status.PUBLISHED if input.published else Status.DRAFT).value)
        created = await editing.create_destination_by(
            session=info.context.session, actor=info.context.actor, data=data,
            now=info.context.now)
        await info.context.session.commit()
        return Destination.from_model(created, info.context.chain(None))

    @strawberry.mutation(description="Staff: changes a destination's texts, place, hours, "
                         "closures or cover.")
    async def update_destination(self, info: Info, id: strawberry.ID,
                                 input: UpdateDestinationInput) -> Destination:
        edit = editing.DestinationEdit(
            name=_texts(input.name), description=_texts(input.description),
            address=_texts(input.address), category=input.category,
            province_code=input.province_code, district=input.district,
            lat=input.location.lat if input.location else None,
            lng=input.location.lng if input.location else None,
            opening_hours=input.opening_hours.document() if input.opening_hours else None,
            special_closures=None if input.special_closures is None else [
                {"date": c.date, "until": c.until, "reason": _texts(c.reason) or {}}
                for c in input.special_closures],
            cover_photo_id=int_key(input.cover_photo_id, "ListingPhoto")
            if input.cover_photo_id is not None else None)
        changed = await editing.update_destination(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(id, "Destination"), edit=edit, now=info.context.now)
        await info.context.session.commit()
        return Destination.from_model(changed, info.context.chain(None))

    @strawberry.mutation(description="Staff: publishes a destination or takes it back to a "
                         "draft.")
    async def set_destination_published(self, info: Info, id: strawberry.ID,
                                        published: bool) -> Destination:
        changed = await editing.set_published(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(id, "Destination"), published=published,
            now=info.context.now)
        await info.context.session.commit()
        return Destination.from_model(changed, info.context.chain(None))
