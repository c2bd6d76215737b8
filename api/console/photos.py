"""Photos in the console: a listing's confirmed photos as thumbnails, and the photo form that
owners (listing form) and staff (destination form) post. The console receives the file whole,
within the photo upload's size, and hands it to the one upload flow
(`geo.listings.photos.add_photo`: started, stored, checked and resized, or refused with
nothing kept); with JavaScript (api/static/console-upload.js) the same form is posted with a
preview and a progress bar."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from api.console.guard import CSRF_FIELD
from api.console.render import View
from core.errors import DomainError
from core.time import utcnow
from geo.listings import photos
from geo.listings.errors import ListingErrorCode
from geo.listings.models import ListingPhoto
from media.errors import MediaError, MediaErrorCode
from media.photo_sizes import variant_size

if TYPE_CHECKING:
    from api.console.app import Console

log = logging.getLogger("tourism.console")
#: The largest photo form read: the photo upload's limit and room for its other fields.
MAX_PHOTO_FORM_BYTES = photos.MAX_UPLOAD_BYTES + 64 * 1024
ACCEPTED = ",".join(sorted(photos.PHOTO_UPLOADS.content_types))


def shown_photo_ids(content: dict[str, Any]) -> list[int]:
    """The ids of the photos a listing shows, the cover first."""
    return [p["id"] if isinstance(p, dict) else p for p in content.get("photos") or []]


def photo_tiles(store: Any, found: list[ListingPhoto], first: list[int]) -> list[dict[str, Any]]:
    """Thumbnails of a listing's photos for a form: the ones in `first` in that order, then
    the others oldest first."""
    by_id = {p.id: p for p in found}
    ordered = [by_id[i] for i in first if i in by_id] + [p for p in found if p.id not in first]
    tiles = []
    for photo in ordered:
        thumbnail = (photo.variants or {}).get("thumbnail") or {}
        if not thumbnail.get("jpeg") or not photo.width or not photo.height:
            continue
        width, height = variant_size(photo.width, photo.height, "thumbnail")
        tiles.append({"id": photo.id, "url": store.url(thumbnail["jpeg"]),
                      "webp": store.url(thumbnail["webp"]) if thumbnail.get("webp") else None,
                      "width": width, "height": height})
    return tiles


def photo_section(view: View, store: Any, found: list[ListingPhoto], first: list[int], *,
                  action: str, choice: str, form: str, error: DomainError | None,
                  uploaded: bool) -> dict[str, Any]:
    """The values of the photos section of a form (console/photo_upload.html): its tiles,
    where its upload posts, whether photos are chosen to show ("show") or as the cover
    ("cover") in the form `form`, and a refused photo's message."""
    return {"photos": photo_tiles(store, found, first), "photo_action": action,
            "photo_choice": choice, "photo_form": form, "uploaded": uploaded,
            "photo_error": refusal_text(view, error) if error else None,
            "accepted": ACCEPTED, "max_photo_bytes": photos.MAX_UPLOAD_BYTES,
            "photo_megabytes": photos.MAX_UPLOAD_BYTES // (1024 * 1024)}


def refusal_text(view: View, error: DomainError) -> str:
    """What a refused photo is told as, in the console's language."""
    words = {
        ListingErrorCode.PHOTO_TYPE_NOT_ALLOWED: view.gettext(
            "This file is not a JPEG, PNG or WebP photo."),
        MediaErrorCode.PHOTO_INVALID: view.gettext(
            "This file cannot be read as the photo it says it is: send a JPEG, PNG or WebP "
            "photo."),
        MediaErrorCode.PHOTO_TOO_MANY_PIXELS: view.gettext(
            "This photo has too many pixels: at most 40 megapixels."),
        MediaErrorCode.UPLOAD_TOO_LARGE: view.gettext(
            "This photo is too large: at most {megabytes} MB.",
            megabytes=photos.MAX_UPLOAD_BYTES // (1024 * 1024)),
        MediaErrorCode.UPLOAD_MISSING_FILE: view.gettext("Choose a photo first."),
        MediaErrorCode.MEDIA_BUSY: view.gettext(
            "Many photos are being processed right now: try again in a moment."),
    }
    return words.get(error.code, error.message)


async def _received(console: Console, request: Request) -> tuple[str, bytes] | None:
    """The content type and bytes of a posted photo form when its CSRF token holds (None
    otherwise); MediaError when it is too large or has no file."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_PHOTO_FORM_BYTES:
        raise MediaError(MediaErrorCode.UPLOAD_TOO_LARGE, "the photo form is too large",
                         field="file")
    async with request.form(max_files=1, max_fields=10) as form:
        token = form.get(CSRF_FIELD)
        if not console.signer.csrf_ok(request, token if isinstance(token, str) else None):
            return None
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise MediaError(MediaErrorCode.UPLOAD_MISSING_FILE, "the form has no photo",
                             field="file")
        data = await sent.read()
        if not data:
            raise MediaError(MediaErrorCode.UPLOAD_MISSING_FILE, "the photo is empty",
                             field="file")
        return (sent.content_type or "").split(";")[0].strip().lower(), data


async def receive_photo(console: Console, request: Request, view: View, destination_id: int
                        ) -> int | DomainError | None:
    """Puts a posted photo of a listing through the upload flow and commits it: its id, or
    the refusal (nothing written, nothing kept in the store), or None when the form's CSRF
    token does not hold."""
    assert view.actor is not None
    try:
        received = await _received(console, request)
    except DomainError as exc:
        return exc
    if received is None:
        return None
    content_type, data = received
    async with console.sessions() as session:
        try:
            photo = await photos.add_photo(
                session=session, store=console.store, actor=view.actor,
                destination_id=destination_id, content_type=content_type, data=data,
                now=utcnow())
        except DomainError as exc:
            await session.rollback()
            log.info("console photo refused: %s", exc.code)
            return exc
        await session.commit()
        return photo.id
