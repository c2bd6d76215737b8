"""Staff edit destinations directly (owners propose changes instead: geo/listings): create,
change the texts per language, the place, the category and the hours, publish and unpublish.
Every edit is checked like a new destination, recorded in the audit trail and not committed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from geo.errors import GeoError, GeoErrorCode
from geo.hours import periods
from geo.listings.checks import check_closures
from geo.listings.errors import ListingError, ListingErrorCode
from geo.listings.models import ListingPhoto, ListingVersion
from geo.listings.service import latest_version, listing_content, ready_photos, record
from geo.models import Destination, OpeningPeriod, Province, SearchTerm, Status
from geo.search_index import search_terms_for
from geo.service import NewDestination, check_destination, create_destination, get_destination
from geo.translations import touched

TEXT_FIELDS = ("name", "description", "address")


@dataclass(frozen=True, slots=True)
class DestinationEdit:
    """What an edit changes; None leaves a field as it is. Texts are whole documents (one text
    per language): a language left out is removed."""

    name: dict[str, str] | None = None
    description: dict[str, str] | None = None
    address: dict[str, str] | None = None
    category: str | None = None
    province_code: str | None = None
    district: str | None = None
    lat: float | None = None
    lng: float | None = None
    opening_hours: dict[str, Any] | None = None
    clear_opening_hours: bool = False
    #: Who wrote each language of each text ({"name": {"ko": "machine"}}): geo/translations.
    translations: dict[str, dict[str, str]] | None = None
    #: The listing's special closures, a whole new list ([] removes them all).
    special_closures: list[dict[str, Any]] | None = None
    #: A confirmed photo of the listing that becomes its cover (first of its photos).
    cover_photo_id: int | None = None


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in values.items() if text and text.strip()}


async def create_destination_by(*, session: AsyncSession, actor: Actor, data: NewDestination,
                                now: datetime) -> Destination:
    """Staff create a destination (a draft unless they say otherwise), with its audit event."""
    require_staff(actor)
    data = replace(data, name=_texts(data.name), description=_texts(data.description),
                   address=_texts(data.address))
    destination = await create_destination(session=session, data=data)
    for name in TEXT_FIELDS:
        destination.text_meta = touched(destination.text_meta or {}, name, {},
                                        getattr(destination, name) or {}, now)
    record(session, actor=actor, action="destination.created", destination_id=destination.id,
           detail={"slug": destination.slug}, now=now)
    await session.flush()
    await session.refresh(destination, ["lat", "lng"])
    return destination


async def _found(session: AsyncSession, destination_id: int) -> Destination:
    found = await get_destination(session=session, destination_id=destination_id,
                                  include_drafts=True)
    if found is None:
        raise GeoError(GeoErrorCode.DESTINATION_NOT_FOUND,
                       f"no destination {destination_id}", field="id")
    return found


def _merged(destination: Destination, edit: DestinationEdit) -> NewDestination:
    def pick(value: Any, current: Any) -> Any:
        return current if value is None else value

    hours = None if edit.clear_opening_hours else pick(edit.opening_hours,
                                                       destination.opening_hours)
    return NewDestination(
        slug=destination.slug, category=pick(edit.category, destination.category),
        province_code=pick(edit.province_code, destination.province_code),
        name=_texts(pick(edit.name, destination.name)),
        description=_texts(pick(edit.description, destination.description)),
        address=_texts(pick(edit.address, destination.address)),
        lat=pick(edit.lat, destination.lat), lng=pick(edit.lng, destination.lng),
        district=pick(edit.district, destination.district), opening_hours=hours,
        heritage_ranking=destination.heritage_ranking, status=destination.status)


async def update_destination(*, session: AsyncSession, actor: Actor, destination_id: int,
                             edit: DestinationEdit, now: datetime) -> Destination:
    """Staff change a destination; the audit event names the fields that changed."""
    require_staff(actor)
    destination = await _found(session, destination_id)
    latest = await latest_version(session, destination.id)
    before = listing_content(destination, latest)  # as the public sees it before the edit
    merged = _merged(destination, edit)
    check_destination(merged)
    province = await session.get(Province, merged.province_code)
    if province is None:
        raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                       f"unknown province {merged.province_code!r}", field="provinceCode")
    new_periods = periods(merged.opening_hours)
    changed = [name for name in ("name", "description", "address", "category",
                                 "province_code", "district", "opening_hours")
               if getattr(merged, name) != getattr(destination, name)]
    moved = (merged.lat, merged.lng) != (destination.lat, destination.lng)
    meta = dict(destination.text_meta or {})
    for name in TEXT_FIELDS:
        meta = touched(meta, name, getattr(destination, name) or {}, getattr(merged, name),
                       now, (edit.translations or {}).get(name))
    if meta != (destination.text_meta or {}):
        destination.text_meta = meta
    for name in changed:
        setattr(destination, name, getattr(merged, name))
    if moved:
        point = WKTElement(f"POINT({merged.lng!r} {merged.lat!r})", srid=4326)
        setattr(destination, "location", point)  # noqa: B010 (a WKT value for a WKB column)
        changed.append("location")
    if "opening_hours" in changed:
        await session.execute(delete(OpeningPeriod).where(
            OpeningPeriod.destination_id == destination.id))
        session.add_all(OpeningPeriod(destination_id=destination.id, weekday=p.weekday,
                                      opens_minute=p.opens_minute, closes_minute=p.closes_minute)
                        for p in new_periods)
    if {"name", "description", "address", "province_code", "district"} & set(changed):
        await session.execute(delete(SearchTerm).where(
            SearchTerm.destination_id == destination.id))
        session.add_all(search_terms_for(destination, province))
    changed += await _listing_version(session, actor, destination, edit, latest, before, now)
    destination.updated_at = now
    record(session, actor=actor, action="destination.updated", destination_id=destination.id,
           detail={"fields": changed}, now=now)
    await session.flush()
    await session.refresh(destination, ["lat", "lng"])  # derived columns expire on UPDATE
    return destination


async def _listing_version(session: AsyncSession, actor: Actor, destination: Destination,
                           edit: DestinationEdit, latest: ListingVersion | None,
                           before: dict[str, Any], now: datetime) -> list[str]:
    """A new public version of the listing when the edit changes its special closures or its
    cover (what the listing keeps beside the destination's row); the names changed. A change
    an owner proposed on the previous version then conflicts, as after an approval."""
    after = listing_content(destination, latest)
    changed = []
    if edit.special_closures is not None:
        closures = check_closures(edit.special_closures)
        if closures != before["special_closures"]:
            after["special_closures"], changed = closures, ["special_closures"]
    current = [p["id"] if isinstance(p, dict) else p for p in before["photos"]]
    if edit.cover_photo_id is not None and current[:1] != [edit.cover_photo_id]:
        photo = await session.get(ListingPhoto, edit.cover_photo_id)
        if photo is None or photo.destination_id != destination.id or photo.status != "ready":
            raise ListingError(ListingErrorCode.PHOTO_NOT_FOUND,
                               "the cover is a confirmed photo of this listing",
                               field="coverPhotoId")
        order = [edit.cover_photo_id, *(i for i in current if i != edit.cover_photo_id)]
        after["photos"] = await ready_photos(session, destination.id, order)
        changed.append("cover_photo")
    if not changed:
        return []
    version = latest.version if latest else 1
    if latest is None:  # the listing as it was, kept as version 1 (as an approval does)
        session.add(ListingVersion(destination_id=destination.id, version=1, snapshot=before,
                                   created_at=now))
    session.add(ListingVersion(destination_id=destination.id, version=version + 1,
                               snapshot=after, created_by=actor.account_id, created_at=now))
    return changed


async def set_published(*, session: AsyncSession, actor: Actor, destination_id: int,
                        published: bool, now: datetime) -> Destination:
    """Staff publish a destination or take it back to a draft."""
    require_staff(actor)
    destination = await _found(session, destination_id)
    status = Status.PUBLISHED.value if published else Status.DRAFT.value
    if destination.status != status:
        destination.status = status
        destination.updated_at = now
        record(session, actor=actor, action="destination.published" if published
               else "destination.unpublished", destination_id=destination.id, now=now)
        await session.flush()
        await session.refresh(destination, ["lat", "lng"])  # derived columns expire on UPDATE
    return destination
