"""The one upload flow of panoramas, photos and narrations.

`start_upload` gives a client a presigned POST for one purpose, content type and size, and
records it as a pending `media_object` row that expires. `claim_upload` then takes that object
once, by its key and purpose (and the subject it was issued for), after checking that it has
not expired, that it arrived and that it is not too large. A refused upload (too large, or
refused by the checks run while it is claimed) is deleted from the store; an expired or
unknown one is left as it is and nothing is written. The row is what a later job (a tiler
triggered by the store) claims the same way.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.time import as_utc, utcnow
from media.errors import MediaError
from media.errors import MediaErrorCode as Code
from media.models import MediaObject, UploadStatus
from media.store import MediaStore


@dataclass(frozen=True, slots=True)
class UploadPurpose:
    """One kind of upload: what it may hold, for how long, and the codes its clients know
    its refusals by (each area declares its own purposes)."""

    name: str
    #: Accepted content types -> the extension their keys get.
    content_types: Mapping[str, str]
    max_bytes: int
    expires_s: int = 600
    #: The object stays where it was uploaded once claimed (else it is deleted: its checked
    #: products are kept instead).
    keeps_object: bool = False
    #: The argument that refusals of a claim name.
    argument: str = "key"
    codes: Mapping[Code, StrEnum] = field(default_factory=dict)

    def error(self, code: Code, message: str, *, argument: str | None = None) -> MediaError:
        """The refusal with the code this purpose's clients know."""
        return MediaError(self.codes.get(code, code), message, field=argument or self.argument)

    def extension(self, content_type: str) -> str:
        """The key extension of an accepted content type; MediaError otherwise."""
        extension = self.content_types.get(content_type)
        if extension is None:
            raise self.error(Code.UPLOAD_TYPE_NOT_ALLOWED,
                             f"{content_type!r} is not accepted here: "
                             f"send {', '.join(sorted(self.content_types))}",
                             argument="contentType")
        return extension


@dataclass(frozen=True, slots=True)
class IssuedUpload:
    """A pending upload and the form (a presigned POST) the client posts its bytes with,
    before `expires_at`."""

    upload: MediaObject
    key: str
    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_at: datetime


@dataclass(slots=True)
class ClaimedUpload:
    """An upload taken for checking: its row, its size in the store, and the digest that the
    claimant records once its checks pass."""

    upload: MediaObject
    size: int
    store: MediaStore
    sha256: str | None = None

    @property
    def content_type(self) -> str:
        """The content type the upload was issued for."""
        return self.upload.content_type

    async def read(self) -> bytes:
        """The uploaded bytes."""
        return await asyncio.to_thread(self.store.get, self.upload.key)


async def start_upload(
    *, session: AsyncSession, store: MediaStore, purpose: UploadPurpose, content_type: str,
    prefix: str, created_by: int | None, subject: Mapping[str, Any] | None = None,
    max_bytes: int | None = None, now: datetime | None = None,
) -> IssuedUpload:
    """A presigned POST for one object of a purpose under a key prefix, recorded as a pending
    upload for a subject until it expires (not committed)."""
    extension = purpose.extension(content_type)
    limit = max_bytes if max_bytes is not None else purpose.max_bytes
    key = f"{prefix}/{secrets.token_hex(16)}.{extension}"
    post = await asyncio.to_thread(store.presigned_post, key, content_type=content_type,
                                   max_bytes=limit, expires_s=purpose.expires_s)
    now = now or utcnow()
    upload = MediaObject(key=key, purpose=purpose.name, status=UploadStatus.PENDING.value,
                         content_type=content_type, max_bytes=limit,
                         subject=dict(subject) if subject is not None else None,
                         created_by=created_by, created_at=now,
                         expires_at=now + timedelta(seconds=purpose.expires_s))
    session.add(upload)
    await session.flush()
    return IssuedUpload(upload=upload, key=key, url=post.url, fields=dict(post.fields),
                        content_type=content_type, max_bytes=limit,
                        expires_at=upload.expires_at)


async def pending_upload(
    *, session: AsyncSession, purpose: UploadPurpose, key: str,
    subject: Mapping[str, Any] | None = None,
) -> MediaObject:
    """The pending upload of a key, issued for this purpose (and subject); MediaError
    NOT_FOUND otherwise."""
    upload = (await session.execute(
        select(MediaObject).where(MediaObject.key == key)
        .execution_options(populate_existing=True))).scalar_one_or_none()
    if (upload is None or upload.purpose != purpose.name
            or upload.status != UploadStatus.PENDING.value
            or (subject is not None and upload.subject != dict(subject))):
        raise purpose.error(Code.UPLOAD_NOT_FOUND, "no pending upload has this key")
    return upload


@asynccontextmanager
async def claim_upload(
    *, session: AsyncSession, store: MediaStore, purpose: UploadPurpose, key: str,
    subject: Mapping[str, Any] | None = None, max_bytes: int | None = None,
    now: datetime | None = None,
) -> AsyncIterator[ClaimedUpload]:
    """The upload of a key for a purpose (and subject), unexpired, received and within its
    size (or a tighter `max_bytes`), claimed for the body of an `async with`: used once the
    body succeeds; when the body raises, deleted from the store and its writes undone."""
    upload = await pending_upload(session=session, purpose=purpose, key=key, subject=subject)
    now = now or utcnow()
    if as_utc(upload.expires_at) <= now:
        raise purpose.error(Code.UPLOAD_EXPIRED, "the upload has expired: request a new one")
    info = await asyncio.to_thread(store.head, key)
    if info is None:
        raise purpose.error(Code.UPLOAD_NOT_RECEIVED, "nothing was uploaded under this key")
    limit = min(upload.max_bytes, max_bytes if max_bytes is not None else upload.max_bytes)
    if info.size > limit:
        await asyncio.to_thread(store.delete_many, [key])
        raise purpose.error(Code.UPLOAD_TOO_LARGE, f"the upload has {info.size} bytes, more than "
                            f"{limit}")
    claimed = ClaimedUpload(upload=upload, size=info.size, store=store)
    async with session.begin_nested():
        # Taken first (a concurrent claim waits for this one, then finds it used); the row
        # object is left alone until the checks pass, so that a refusal leaves it as it was.
        taken = await session.execute(
            update(MediaObject)
            .where(MediaObject.id == upload.id,
                   MediaObject.status == UploadStatus.PENDING.value)
            .values(status=UploadStatus.USED.value, claimed_at=now)
            .execution_options(synchronize_session=False))
        if getattr(taken, "rowcount", 0) != 1:
            raise purpose.error(Code.UPLOAD_NOT_FOUND, "the upload was claimed meanwhile")
        try:
            yield claimed
        except BaseException:
            await asyncio.to_thread(store.delete_many, [key])
            raise
        upload.status, upload.claimed_at = UploadStatus.USED.value, now
        upload.byte_size, upload.sha256 = claimed.size, claimed.sha256
        await session.flush()
    if not purpose.keeps_object:
        await asyncio.to_thread(store.delete_many, [key])
