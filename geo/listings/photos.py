"""Listing photos: a presigned upload limited in type and size, then a confirm step that decodes
the image for real, applies its EXIF orientation, drops every metadata (GPS included) and
stores thumbnail, medium and large sizes in WebP and JPEG under content-addressed keys."""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_owner_or_staff
from geo.listings.models import ListingPhoto
from geo.listings.service import record
from geo.models import Destination
from media.errors import MediaError
from media.store import MediaStore, PresignedPost

ALLOWED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
#: Largest image decoded, in pixels (a 40-megapixel camera); more is refused before decoding.
PIXEL_BUDGET = 40_000_000
SIZES = {"thumbnail": 320, "medium": 1024, "large": 2048}
UPLOAD_PREFIX = "uploads/listing-photos"


@dataclass(frozen=True, slots=True)
class PhotoUpload:
    """A staged photo and the form the client posts its bytes with."""

    photo: ListingPhoto
    form: PresignedPost


async def start_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                       destination_id: int, content_type: str, now: datetime) -> PhotoUpload:
    """A presigned POST for one photo of a listing (owners and staff); not committed."""
    require_owner_or_staff(actor, destination_id)
    if await session.get(Destination, destination_id) is None:
        raise MediaError("no such listing", code="LISTING_NOT_FOUND", field="listingId")
    if content_type not in ALLOWED_TYPES:
        raise MediaError(f"photos are {', '.join(sorted(ALLOWED_TYPES))}",
                         code="PHOTO_TYPE_NOT_ALLOWED", field="contentType")
    key = f"{UPLOAD_PREFIX}/{destination_id}/{secrets.token_hex(16)}"
    assert actor.account_id is not None
    photo = ListingPhoto(destination_id=destination_id, uploaded_by=actor.account_id,
                         status="uploading", upload_key=key, content_type=content_type,
                         variants={}, created_at=now)
    session.add(photo)
    await session.flush()
    form = store.presigned_post(key, content_type=content_type, max_bytes=MAX_UPLOAD_BYTES,
                                expires_s=600)
    record(session, actor=actor, action="photo.upload_started", destination_id=destination_id,
           detail={"photo_id": photo.id}, now=now)
    return PhotoUpload(photo=photo, form=form)


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def render_variants(data: bytes, content_type: str) -> tuple[int, int, dict[str, bytes]]:
    """(width, height, {"large.webp": bytes, ...}) of an upload, or MediaError: a real image of
    the declared format, within the pixel budget, upright, with no metadata left."""
    expected = ALLOWED_TYPES[content_type]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[expected])
            width, height = image.size
            if width < 1 or height < 1 or width * height > PIXEL_BUDGET:
                raise MediaError(f"{width}×{height} pixels is more than {PIXEL_BUDGET}",
                                 code="PHOTO_TOO_MANY_PIXELS")
            if expected == "JPEG":
                image.draft("RGB", (SIZES["large"], SIZES["large"]))
            image.load()
            upright = ImageOps.exif_transpose(image)
        except MediaError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError("the image expands to too many pixels",
                             code="PHOTO_TOO_MANY_PIXELS") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise MediaError(f"not a readable {expected} image", code="PHOTO_INVALID") from exc
    base = _flatten(upright)  # a new image: EXIF, GPS, XMP, ICC and text chunks are left behind
    variants: dict[str, bytes] = {}
    for name, edge in SIZES.items():
        sized = base.copy()
        sized.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        variants[f"{name}.jpg"] = _encode(sized, "JPEG")
        variants[f"{name}.webp"] = _encode(sized, "WEBP")
    return base.width, base.height, variants


async def confirm_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                         photo_id: int, now: datetime) -> ListingPhoto:
    """Checks an uploaded photo for real and stores its sizes; refused photos write nothing."""
    photo = await session.get(ListingPhoto, photo_id)
    require_owner_or_staff(actor, photo.destination_id if photo else -1)
    if photo is None:
        raise MediaError("no such photo", code="PHOTO_NOT_FOUND", field="photoId")
    if photo.status != "uploading":
        raise MediaError("the photo is already confirmed", code="PHOTO_ALREADY_CONFIRMED",
                         field="photoId")
    info = await asyncio.to_thread(store.head, photo.upload_key)
    if info is None:
        raise MediaError("nothing was uploaded for this photo", code="PHOTO_NOT_UPLOADED",
                         field="photoId")
    if info.size > MAX_UPLOAD_BYTES:
        raise MediaError("the upload is too large", code="UPLOAD_TOO_LARGE", field="photoId")
    data = await asyncio.to_thread(store.get, photo.upload_key)
    width, height, rendered = await asyncio.to_thread(render_variants, data,
                                                      photo.content_type)
    digest = hashlib.sha256(data).hexdigest()
    variants: dict[str, Any] = {}
    for name, blob in rendered.items():
        key = f"photos/{digest[:40]}/{name}"
        content_type = "image/jpeg" if name.endswith(".jpg") else "image/webp"
        await asyncio.to_thread(store.put, key, blob, content_type, immutable=True)
        size, ext = name.split(".")
        variants.setdefault(size, {})["jpeg" if ext == "jpg" else "webp"] = key
    claimed = await session.execute(update(ListingPhoto).where(
        ListingPhoto.id == photo.id, ListingPhoto.status == "uploading"
    ).values(status="ready", digest=digest, width=width, height=height, variants=variants))
    if getattr(claimed, "rowcount", 0) != 1:
        raise MediaError("the photo is already confirmed", code="PHOTO_ALREADY_CONFIRMED",
                         field="photoId")
    await session.refresh(photo)
    # The original may carry GPS and other EXIF: only the cleaned sizes are kept.
    await asyncio.to_thread(store.delete_many, [photo.upload_key])
    record(session, actor=actor, action="photo.confirmed", destination_id=photo.destination_id,
           detail={"photo_id": photo.id, "digest": digest}, now=now)
    await session.flush()
    return photo
