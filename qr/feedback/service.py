"""A visitor's feedback, from where they stand: the place is the one a QR code opens (its site,
stop or scene), the text is checked for size, the contact for form, the photo like a
listing's (`media.images.check_image`, then cleaned sizes only); a refused submission writes
nothing. The visitor follows the item by its tracking code."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.service import is_email
from core.capacity import WorkSlots
from geo.models import Destination
from media import uploads
from media.errors import MediaError, MediaErrorCode
from media.images import EXTENSIONS
from media.store import MediaStore
from qr.feedback.errors import FeedbackError
from qr.feedback.errors import FeedbackErrorCode as Code
from qr.feedback.models import Category, Feedback, Status
from qr.feedback.targets import due_at, new_tracking_code, normalize_tracking_code
from qr.models import Channel
from qr.service import resolve_scan

MAX_TEXT_CHARS = 2000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
UPLOAD_PREFIX = "uploads/feedback-photos"
PHOTO_UPLOADS = uploads.UploadPurpose(
    name="feedback-photo", content_types=EXTENSIONS, max_bytes=MAX_PHOTO_BYTES,
    argument="photoKey", codes={MediaErrorCode.UPLOAD_TOO_LARGE: Code.FEEDBACK_PHOTO_TOO_LARGE})
#: A photo is decoded and resized once: one at a time per process, visitors never queue long.
RENDERING = WorkSlots(limit=1, wait_s=5.0, refusal=lambda: MediaError(
    MediaErrorCode.MEDIA_BUSY, "too many photos are being processed: retry in a moment",
    field="photo"))
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{6,22}[0-9]$")
CODE_ATTEMPTS = 5
#: How many merges the tracking page follows at most.
MAX_MERGE_HOPS = 5


@dataclass(frozen=True, slots=True)
class PhotoBytes:
    """A photo posted with the form itself (the page without script)."""

    data: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Submission:
    """What a visitor sends: the code of where they stand, a category, a text, optionally a
    photo (bytes from the form, or the key of an app's upload) and a contact."""

    code: str
    category: str
    text: str
    lang: str
    channel: Channel = Channel.WEB
    contact: str | None = None
    photo: PhotoBytes | None = None
    photo_key: str | None = None


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the visitor's tracking page shows: their code, the place, and the status and answer
    of the item (or of the one it was merged into)."""

    tracking_code: str
    category: Category
    status: Status
    received_at: datetime
    destination: Destination
    answer: str | None
    answered_at: datetime | None
    lang: str
    merged: bool


def check_contact(contact: str | None) -> str | None:
    """The contact as kept (trimmed; None when empty): an e-mail or a phone number, else
    FeedbackError."""
    if contact is None or not contact.strip():
        return None
    value = contact.strip()
    if len(value) <= 254 and (is_email(value) or _PHONE.match(value)):
        return value.lower() if "@" in value else value
    raise FeedbackError(Code.INVALID_FEEDBACK_CONTACT, "give an e-mail address or a phone "
                        "number, or leave it empty", field="contact")


def check_text(text: str, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The text as kept (trimmed, any language), or FeedbackError when empty or too long."""
    value = text.strip()
    if not value:
        raise FeedbackError(Code.FEEDBACK_TEXT_EMPTY, "say what you noticed", field="text")
    if len(value) > max_chars:
        raise FeedbackError(Code.FEEDBACK_TEXT_TOO_LONG,
                            f"{len(value)} characters: at most {max_chars}", field="text")
    return value


def check_category(category: str) -> Category:
    """The category named (its value or name, any case), else FeedbackError."""
    name = category.strip().lower()
    for member in Category:
        if name in (member.value, member.name.lower()):
            return member
    raise FeedbackError(Code.INVALID_FEEDBACK_CATEGORY, f"unknown category {category!r}",
                        field="category")


async def start_photo_upload(*, session: AsyncSession, store: MediaStore, code: str,
                             content_type: str, now: datetime) -> uploads.IssuedUpload:
    """A presigned POST for the photo of a feedback about the place of a code (apps); not
    committed."""
    view = await resolve_scan(session=session, code=code)
    if view is None:
        raise FeedbackError(Code.FEEDBACK_PLACE_NOT_FOUND, "no place has this code", field="code")
    return await uploads.start_upload(
        session=session, store=store, purpose=PHOTO_UPLOADS, content_type=content_type,
        prefix=f"{UPLOAD_PREFIX}/{view.destination.id}", created_by=None,
        subject={"qr": view.qr.code}, now=now)


def _render(photo: PhotoBytes) -> object:
    from media.variants import render_variants  # Pillow: not at start

    if photo.content_type not in EXTENSIONS:
        raise MediaError(MediaErrorCode.PHOTO_INVALID, "send a JPEG, PNG or WebP photo",
                         field="photo")
    return render_variants(photo.data, photo.content_type)


async def _store_photo(store: MediaStore, photo: PhotoBytes) -> dict[str, object]:
    from media.variants import RenderedPhoto, store_variants

    async with RENDERING.slot():
        rendered = await asyncio.to_thread(_render, photo)
    assert isinstance(rendered, RenderedPhoto)
    # only the cleaned sizes are kept: the original may carry GPS and other EXIF
    return await asyncio.to_thread(store_variants, store, rendered)


async def _insert(session: AsyncSession, item: Feedback) -> Feedback:
    for _ in range(CODE_ATTEMPTS):
        item.tracking_code = new_tracking_code(item.created_at)
        try:
            async with session.begin_nested():
                session.add(item)
                await session.flush()
        except IntegrityError:
            continue
        return item
    raise RuntimeError("no free tracking code")  # 2^40 codes a year: never in practice


async def submit_feedback(*, session: AsyncSession, store: MediaStore, submission: Submission,
                          now: datetime, max_text_chars: int = MAX_TEXT_CHARS,
                          max_photo_bytes: int = MAX_PHOTO_BYTES) -> Feedback:
    """Records a visitor's feedback about the place of a code, with its target time; every
    check runs before anything is written, so a refusal writes nothing (nor a photo); not
    committed."""
    category = check_category(submission.category)
    text = check_text(submission.text, max_chars=max_text_chars)
    contact = check_contact(submission.contact)
    if submission.photo is not None and len(submission.photo.data) > max_photo_bytes:
        raise FeedbackError(Code.FEEDBACK_PHOTO_TOO_LARGE, f"the photo has "
                            f"{len(submission.photo.data)} bytes, more than {max_photo_bytes}",
                            field="photo")
    view = await resolve_scan(session=session, code=submission.code)
    if view is None:
        raise FeedbackError(Code.FEEDBACK_PLACE_NOT_FOUND, "no place has this code", field="code")
    item = Feedback(destination_id=view.destination.id, target_kind=view.qr.target_kind,
                    target_id=view.qr.target_id, qr_code_id=view.qr.id,
                    channel=submission.channel.value, category=category.value, text=text,
                    lang=submission.lang[:35], contact=contact, status=Status.RECEIVED.value,
                    created_at=now, updated_at=now, due_at=due_at(category, now))
    if submission.photo is not None:
        item.photo = await _store_photo(store, submission.photo)
        return await _insert(session, item)
    if submission.photo_key is None:
        return await _insert(session, item)
    async with uploads.claim_upload(session=session, store=store, purpose=PHOTO_UPLOADS,
                                    key=submission.photo_key, subject={"qr": view.qr.code},
                                    max_bytes=max_photo_bytes, now=now) as claimed:
        data = await claimed.read()
        item.photo = await _store_photo(store, PhotoBytes(data, claimed.content_type))
        return await _insert(session, item)


async def get_by_tracking_code(*, session: AsyncSession, code: str) -> Feedback | None:
    """The item of a tracking code as typed (None when unknown)."""
    normal = normalize_tracking_code(code)
    if normal is None:
        return None
    found: Feedback | None = await session.scalar(
        select(Feedback).where(Feedback.tracking_code == normal))
    return found


async def track(*, session: AsyncSession, code: str) -> Tracked | None:
    """What the visitor of a tracking code may see: status and answer (of the item it was
    merged into, when it was), never a contact; None when the code is unknown."""
    item = await get_by_tracking_code(session=session, code=code)
    if item is None:
        return None
    own, shown = item, item
    for _ in range(MAX_MERGE_HOPS):
        if shown.merged_into_id is None:
            break
        target = await session.get(Feedback, shown.merged_into_id)
        if target is None:
            break
        shown = target
    destination = await session.get(Destination, own.destination_id)
    assert destination is not None  # the item goes with its destination
    return Tracked(tracking_code=own.tracking_code, category=Category(own.category),
                   status=Status(shown.status), received_at=own.created_at,
                   destination=destination, answer=shown.answer,
                   answered_at=shown.answered_at, lang=own.lang, merged=shown is not own)
