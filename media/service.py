"""Panoramas and uploads: ingest (checked, content-addressed, atomic), lookups, upload forms."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.actors import Actor, require_staff
from geo.base import utcnow
from media.errors import PanoramaError
from media.errors import PanoramaErrorCode as Code
from media.images import CONTENT_TYPES, FORMATS, PixelBudget, probe
from media.models import MediaObject, Panorama, UploadStatus
from media.store import MediaStore, PresignedPost

if TYPE_CHECKING:
    from media.panorama import Progress, TiledPanorama

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
UPLOAD_EXPIRY_S = 600
PANORAMA_PURPOSE = "panorama"


async def get_panoramas(*, session: AsyncSession, ids: Sequence[int]) -> list[Panorama | None]:
    """Panoramas by id, in the order asked (None where absent)."""
    found = {p.id: p for p in (await session.execute(
        select(Panorama).where(Panorama.id.in_(set(ids))))).scalars()}
    return [found.get(i) for i in ids]


async def panorama_by_sha(*, session: AsyncSession, sha256: str) -> Panorama | None:
    """The panorama of an image's SHA-256, if it was ingested."""
    result = await session.execute(select(Panorama).where(Panorama.sha256 == sha256))
    return result.scalar_one_or_none()


def _row(tiled: TiledPanorama, source_format: str, source_bytes: int) -> Panorama:
    layout = tiled.layout
    groups = tiled.group_bytes()
    return Panorama(
        sha256=tiled.sha256, source_format=source_format, source_bytes=source_bytes,
        width=layout.width, height=layout.height, face_size=layout.face_size,
        tile_size=layout.tile_size, levels=layout.levels, fallback_size=layout.fallback_size,
        tile_count=layout.tile_count, byte_size=tiled.byte_size, level_bytes=groups,
        fallback_bytes=groups.get("fallback", 0),
    )


async def add_panorama(
    *, session: AsyncSession, store: MediaStore, actor: Actor, data: bytes,
    budget: PixelBudget | None = None, progress: Progress | None = None,
) -> tuple[Panorama, bool]:
    """The panorama of an image (tiled into the store when new) and whether it was created."""
    from media.panorama import sha256_of, tile_panorama  # OpenCV loads only where it tiles

    require_staff(actor)
    existing = await panorama_by_sha(session=session, sha256=sha256_of(data))
    if existing is not None:
        return existing, False
    header = probe(data, budget=budget)
    tiled = await asyncio.to_thread(tile_panorama, data, header, store, progress=progress)
    try:
        async with session.begin_nested():
            row = _row(tiled, header.format.lower(), len(data))
            session.add(row)
            await session.flush()
    except BaseException:
        keys = [f"panoramas/{tiled.sha256}/{name}" for name in tiled.sizes]
        await asyncio.to_thread(store.delete_many, keys)
        raise
    return row, True


async def request_panorama_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, content_type: str,
    now: datetime | None = None,
) -> tuple[MediaObject, PresignedPost]:
    """A short-lived presigned POST for one panorama image, recorded as a pending upload."""
    require_staff(actor)
    if content_type not in CONTENT_TYPES:
        raise PanoramaError(Code.UNSUPPORTED_FORMAT, "upload JPEG, PNG or WebP panoramas",
                            field="contentType")
    extension = next(ext for t, ext in FORMATS.values() if t == content_type)
    key = f"uploads/panoramas/{uuid.uuid4().hex}.{extension}"
    post = store.presigned_post(key, content_type=content_type, max_bytes=MAX_UPLOAD_BYTES,
                                expires_s=UPLOAD_EXPIRY_S)
    now = now or utcnow()
    upload = MediaObject(key=key, purpose=PANORAMA_PURPOSE, content_type=content_type,
                         max_bytes=MAX_UPLOAD_BYTES, created_by=actor.account_id,
                         created_at=now, expires_at=now + timedelta(seconds=UPLOAD_EXPIRY_S))
    session.add(upload)
    await session.flush()
    return upload, post


async def add_panorama_from_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, key: str,
    budget: PixelBudget | None = None,
) -> tuple[Panorama, bool]:
    """The panorama of an uploaded object, after HEAD and full validation of its bytes."""
    require_staff(actor)
    upload = (await session.execute(select(MediaObject).where(
        MediaObject.key == key, MediaObject.purpose == PANORAMA_PURPOSE))).scalar_one_or_none()
    if upload is None or upload.status != UploadStatus.PENDING.value:
        raise PanoramaError(Code.UPLOAD_NOT_FOUND, "no pending panorama upload has this key",
                            field="key")
    info = await asyncio.to_thread(store.head, key)
    if info is None:
        raise PanoramaError(Code.UPLOAD_NOT_RECEIVED, "the upload has not arrived yet",
                            field="key")
    if info.size > upload.max_bytes:
        raise PanoramaError(Code.UPLOAD_TOO_LARGE, f"the upload is {info.size} bytes",
                            field="key")
    data = await asyncio.to_thread(store.get, key)
    panorama, created = await add_panorama(session=session, store=store, actor=actor,
                                           data=data, budget=budget)
    upload.status = UploadStatus.USED.value
    upload.byte_size, upload.sha256 = len(data), panorama.sha256
    await session.flush()
    await asyncio.to_thread(store.delete_many, [key])  # the source is kept with the tiles
    return panorama, created
