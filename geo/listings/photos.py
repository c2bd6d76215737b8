"""Listing photos: an owner starts a photo upload for a listing (the one upload flow of
`media.uploads`, limited in type and size), confirms it, and each step is in the audit trail;
the confirmed photo's sizes are rendered by `media.variants`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_owner_or_staff
from core.capacity import WorkSlots
from geo.listings.errors import ListingError
from geo.listings.errors import ListingErrorCode as Code
from geo.listings.models import ListingPhoto
from geo.listings.service import record
from geo.models import Destination
from media import uploads
from media.errors import MediaError, MediaErrorCode
from media.images import EXTENSIONS
from media.store import MediaStore

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
UPLOAD_PREFIX = "uploads/listing-photos"
PHOTO_UPLOADS = uploads.UploadPurpose(
    name="listing-photo", content_types=EXTENSIONS, max_bytes=MAX_UPLOAD_BYTES,
    argument="photoId", codes={MediaErrorCode.UPLOAD_TYPE_NOT_ALLOWED: Code.PHOTO_TYPE_NOT_ALLOWED,
                               MediaErrorCode.UPLOAD_NOT_RECEIVED: Code.PHOTO_NOT_UPLOADED})
#: Decoding and resizing a photo of up to 40 megapixels takes ~200 MB and a core for a while.
RENDERING = WorkSlots(limit=2, wait_s=5.0, refusal=lambda: MediaError(
    MediaErrorCode.MEDIA_BUSY, "too many photos are being processed: retry in a moment",
    field="photoId"))


@dataclass(frozen=True, slots=True)
class PhotoUpload:
    """A staged photo and the upload the client posts its bytes with."""

    photo: ListingPhoto
    upload: uploads.IssuedUpload


async def start_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                       destination_id: int, content_type: str, now: datetime) -> PhotoUpload:
    """A presigned POST for one photo of a listing (owners and staff); not committed."""
    require_owner_or_staff(actor, destination_id)
    if await session.get(Destination, destination_id) is None:
        raise ListingError(Code.LISTING_NOT_FOUND, "no such listing",
                           field="listingId")
    assert actor.account_id is not None
    upload = await uploads.start_upload(
        session=session, store=store, purpose=PHOTO_UPLOADS, content_type=content_type,
        prefix=f"{UPLOAD_PREFIX}/{destination_id}", created_by=actor.account_id,
        subject={"destination_id": destination_id}, now=now)
    photo = ListingPhoto(destination_id=destination_id, uploaded_by=actor.account_id,
                         status="uploading", upload_key=upload.key, content_type=content_type,
                         variants={}, created_at=now)
    session.add(photo)
    await session.flush()
    record(session, actor=actor, action="photo.upload_started", destination_id=destination_id,
           detail={"photo_id": photo.id}, now=now)
    return PhotoUpload(photo=photo, upload=upload)


async def confirm_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                         photo_id: int, now: datetime) -> ListingPhoto:
    """Checks an uploaded photo for real and stores its sizes; a refused photo writes nothing
    and its upload is deleted."""
    photo = await session.get(ListingPhoto, photo_id)
    require_owner_or_staff(actor, photo.destination_id if photo else -1)
    if photo is None:
        raise ListingError(Code.PHOTO_NOT_FOUND, "no such photo", field="photoId")
    if photo.status != "uploading":
        raise ListingError(Code.PHOTO_ALREADY_CONFIRMED, "the photo is already confirmed",
                           field="photoId")
    # busy: refused before the upload is claimed, so it stays for a retry
    async with RENDERING.slot(), uploads.claim_upload(
            session=session, store=store, purpose=PHOTO_UPLOADS, key=photo.upload_key,
            subject={"destination_id": photo.destination_id}, now=now) as claimed:
        data = await claimed.read()
        from media.variants import render_variants, store_variants  # Pillow: not at start

        rendered = await asyncio.to_thread(render_variants, data, photo.content_type)
        variants = await asyncio.to_thread(store_variants, store, rendered)
        ready = await session.execute(update(ListingPhoto).where(
            ListingPhoto.id == photo.id, ListingPhoto.status == "uploading"
        ).values(status="ready", digest=rendered.digest, width=rendered.width,
                 height=rendered.height, variants=variants))
        if getattr(ready, "rowcount", 0) != 1:
            raise ListingError(Code.PHOTO_ALREADY_CONFIRMED, "the photo is already confirmed",
                               field="photoId")
        claimed.sha256 = rendered.digest
    # The original may carry GPS and other EXIF: only the cleaned sizes are kept.
    await session.refresh(photo)
    record(session, actor=actor, action="photo.confirmed", destination_id=photo.destination_id,
           detail={"photo_id": photo.id, "digest": rendered.digest}, now=now)
    await session.flush()
    return photo


async def add_photo(*, session: AsyncSession, store: MediaStore, actor: Actor,
                    destination_id: int, content_type: str, data: bytes, now: datetime
                    ) -> ListingPhoto:
    """A photo received whole (the console's form, within its size) put through the same
    upload flow: started, stored under its upload's key, confirmed; not committed. On a
    refusal its upload is deleted from the store and the caller rolls back: nothing stays."""
    staged = await start_upload(session=session, store=store, actor=actor,
                                destination_id=destination_id, content_type=content_type,
                                now=now)
    key = staged.upload.key
    await asyncio.to_thread(store.put, key, data, content_type)
    try:
        return await confirm_upload(session=session, store=store, actor=actor,
                                    photo_id=staged.photo.id, now=now)
    except BaseException:
        await asyncio.to_thread(store.delete_many, [key])  # a busy refusal leaves it
        raise


async def listing_photos(*, session: AsyncSession, actor: Actor, destination_id: int
                         ) -> list[ListingPhoto]:
    """The confirmed photos of a listing, oldest first (its owners and staff)."""
    require_owner_or_staff(actor, destination_id)
    return list((await session.execute(select(ListingPhoto).where(
        ListingPhoto.destination_id == destination_id, ListingPhoto.status == "ready")
        .order_by(ListingPhoto.id))).scalars())
