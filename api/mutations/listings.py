"""Listing mutations: owners propose changes and upload photos, staff approve or reject."""

from __future__ import annotations

from typing import Any

import strawberry

from api.context import Context
from api.types.common import int_key
from api.types.listing import ListingChange, ListingPhoto
from api.types.uploads import PresignedUpload
from geo.hours import WEEKDAYS
from geo.listings import photos
from geo.listings import service as listings
from geo.listings.errors import ListingError, ListingErrorCode

Info = strawberry.Info[Context, None]


@strawberry.input(description="A text in one language.")
class LocalizedTextInput:
    lang: str
    text: str


def _texts(items: list[LocalizedTextInput] | None) -> dict[str, str]:
    return {t.lang: t.text for t in items or []}


@strawberry.input(description="Open from `opens` to `closes` (HH:MM local) on a weekday "
                  "(1 = Monday); `closes` before `opens` runs past midnight.")
class OpeningPeriodInput:
    weekday: int
    opens: str
    closes: str


@strawberry.input
class OpeningHoursInput:
    always_open: bool = False
    periods: list[OpeningPeriodInput] = strawberry.field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The opening-hours document the listing stores."""
        if self.always_open:
            return {"always_open": True}
        document: dict[str, Any] = {}
        for period in self.periods:
            if not 1 <= period.weekday <= 7:
                raise ListingError(ListingErrorCode.INVALID_LISTING_CHANGE,
                                   "weekday is 1 (Monday) to 7", field="openingHours")
            document.setdefault(WEEKDAYS[period.weekday - 1], []).append(
                [period.opens, period.closes])
        return document


@strawberry.input(description="Closed from `date` to `until` (inclusive, YYYY-MM-DD).")
class SpecialClosureInput:
    date: str
    until: str | None = None
    reason: list[LocalizedTextInput] | None = None


@strawberry.input
class PriceInput:
    label: list[LocalizedTextInput]
    amount_vnd: int


@strawberry.input
class ContactInput:
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@strawberry.input
class AccessibilityInput:
    wheelchair: bool | None = None
    notes: list[LocalizedTextInput] | None = None


@strawberry.input(description="What a business may change; a field left out stays as it is. "
                  "Status, ranking, owners and the verified mark are staff's.")
class ListingChangeInput:
    description: list[LocalizedTextInput] | None = strawberry.field(
        default=None, description="Per language; an empty text removes that language.")
    opening_hours: OpeningHoursInput | None = None
    special_closures: list[SpecialClosureInput] | None = None
    prices: list[PriceInput] | None = None
    contact: ContactInput | None = None
    accessibility: AccessibilityInput | None = None
    photo_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Confirmed photos of this listing, in display order.")

    def fields(self) -> dict[str, Any]:
        """The proposed fields as the listing service takes them."""
        fields: dict[str, Any] = {}
        if self.description is not None:
            fields["description"] = _texts(self.description)
        if self.opening_hours is not None:
            fields["opening_hours"] = self.opening_hours.document()
        if self.special_closures is not None:
            fields["special_closures"] = [
                {"date": c.date, "until": c.until, "reason": _texts(c.reason)}
                for c in self.special_closures]
        if self.prices is not None:
            fields["prices"] = [{"label": _texts(p.label), "amount_vnd": p.amount_vnd}
                                for p in self.prices]
        if self.contact is not None:
            fields["contact"] = {"phone": self.contact.phone, "email": self.contact.email,
                                 "website": self.contact.website}
        if self.accessibility is not None:
            fields["accessibility"] = {"wheelchair": self.accessibility.wheelchair,
                                       "notes": _texts(self.accessibility.notes)}
        if self.photo_ids is not None:
            fields["photos"] = [int_key(p, "ListingPhoto") for p in self.photo_ids]
        return fields


@strawberry.type(description="A staged listing photo and its upload: post it, then confirm "
                 "the photo with confirmListingPhoto(photoId).")
class ListingPhotoUpload:
    photo_id: strawberry.ID
    upload: PresignedUpload


@strawberry.type
class ListingMutations:
    """Changes of business listings and their review."""

    @strawberry.mutation(description="Proposes an edit of a listing, based on the version read "
                         "(LISTING_VERSION_CONFLICT when it moved on or another edit is pending).")
    async def propose_listing_change(self, info: Info, listing_id: strawberry.ID,
                                     base_version: int, input: ListingChangeInput
                                     ) -> ListingChange:
        change = await listings.propose_change(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(listing_id, "Destination"), base_version=base_version,
            fields=input.fields(), now=info.context.now)
        await info.context.session.commit()
        return ListingChange.from_model(change)

    @strawberry.mutation(description="Takes back a pending change.")
    async def withdraw_listing_change(self, info: Info, id: strawberry.ID) -> ListingChange:
        change = await listings.withdraw_change(
            session=info.context.session, actor=info.context.actor,
            change_id=int_key(id, "ListingChange"), now=info.context.now)
        await info.context.session.commit()
        return ListingChange.from_model(change)

    @strawberry.mutation(description="Staff: publishes a pending change as a new version.")
    async def approve_listing_change(self, info: Info, id: strawberry.ID) -> ListingChange:
        change = await listings.approve_change(
            session=info.context.session, actor=info.context.actor,
            change_id=int_key(id, "ListingChange"), now=info.context.now)
        await info.context.session.commit()
        return ListingChange.from_model(change)

    @strawberry.mutation(description="Staff: refuses a pending change, saying why.")
    async def reject_listing_change(self, info: Info, id: strawberry.ID,
                                    reason: str) -> ListingChange:
        change = await listings.reject_change(
            session=info.context.session, actor=info.context.actor,
            change_id=int_key(id, "ListingChange"), reason=reason, now=info.context.now)
        await info.context.session.commit()
        return ListingChange.from_model(change)

    @strawberry.mutation(description="Staff: sets a listing's publication status and ranking.")
    async def set_listing_staff_fields(
        self, info: Info, listing_id: strawberry.ID, status: str | None = None,
        heritage_ranking: str | None = None,
    ) -> bool:
        await listings.set_staff_fields(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(listing_id, "Destination"), status=status,
            heritage_ranking=heritage_ranking, now=info.context.now)
        await info.context.session.commit()
        return True

    @strawberry.mutation(description="Staff: makes an account an owner of a listing, verified "
                         "or not.")
    async def set_listing_owner(self, info: Info, listing_id: strawberry.ID,
                                account_id: strawberry.ID, verified: bool) -> bool:
        await listings.set_owner(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(listing_id, "Destination"),
            account_id=int_key(account_id, "Account"), verified=verified, now=info.context.now)
        await info.context.session.commit()
        return True

    @strawberry.mutation(description="A presigned POST for one photo of a listing (JPEG, PNG or "
                         "WebP, at most 15 MB); confirm it after uploading.")
    async def start_listing_photo_upload(self, info: Info, listing_id: strawberry.ID,
                                         content_type: str) -> ListingPhotoUpload:
        staged = await photos.start_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            destination_id=int_key(listing_id, "Destination"), content_type=content_type,
            now=info.context.now)
        await info.context.session.commit()
        return ListingPhotoUpload(
            photo_id=strawberry.ID(ListingPhoto.of(staged.photo.id, None, None, {},
                                                   info.context.store).id),
            upload=PresignedUpload.of(staged.upload))

    @strawberry.mutation(description="Checks an uploaded photo and makes its sizes; a photo "
                         "that is not a real image within the limits is refused.")
    async def confirm_listing_photo(self, info: Info, photo_id: strawberry.ID) -> ListingPhoto:
        photo = await photos.confirm_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            photo_id=int_key(photo_id, "ListingPhoto"), now=info.context.now)
        await info.context.session.commit()
        return ListingPhoto.of(photo.id, photo.width, photo.height, photo.variants,
                               info.context.store)

