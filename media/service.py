"""Panoramas: ingest (checked, content-addressed, atomic), lookups, and their uploads."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from media.errors import MediaErrorCode as Code
from media.images import EXTENSIONS, PixelBudget, probe
from media.models import Panorama
from media.store import MediaStore
from media.uploads import IssuedUpload, UploadPurpose, claim_upload, start_upload

if TYPE_CHECKING:
    from media.panorama import Progress, TiledPanorama

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
PANORAMA_UPLOADS = UploadPurpose(
    name="panorama", content_types=EXTENSIONS, max_bytes=MAX_UPLOAD_BYTES,
    codes={Code.UPLOAD_TYPE_NOT_ALLOWED: Code.UNSUPPORTED_IMAGE_FORMAT})


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
) -> IssuedUpload:
    """A short-lived presigned POST for one panorama image, recorded as a pending upload."""
    require_staff(actor)
    return await start_upload(session=session, store=store, purpose=PANORAMA_UPLOADS,
                              content_type=content_type, prefix="uploads/panoramas",
                              created_by=actor.account_id, now=now)


async def add_panorama_from_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, key: str,
    budget: PixelBudget | None = None, now: datetime | None = None,
) -> tuple[Panorama, bool]:
    """The panorama of an uploaded object, after HEAD and full validation of its bytes; a
    refused upload is deleted."""
    require_staff(actor)
    async with claim_upload(session=session, store=store, purpose=PANORAMA_UPLOADS, key=key,
                            now=now) as claimed:
        data = await claimed.read()
        panorama, created = await add_panorama(session=session, store=store, actor=actor,
                                               data=data, budget=budget)
        claimed.sha256 = panorama.sha256
    return panorama, created  # the upload is deleted: its source is kept with the tiles
