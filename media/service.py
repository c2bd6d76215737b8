"""Panoramas: ingest (checked, content-addressed, atomic), lookups, and their uploads.

An upload becomes a PENDING panorama at once (`add_panorama_from_upload`) that the tiler makes
READY (`media.ingest`); an image given as bytes (the CLI, the demo data) is tiled in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from media.images import PixelBudget, probe
from media.ingest import (
    MAX_UPLOAD_BYTES,
    PANORAMA_UPLOADS,
    UPLOAD_PREFIX,
    measured,
    record_upload,
    tiled_columns,
)
from media.models import Panorama
from media.models import PanoramaStatus as Status
from media.store import MediaStore
from media.uploads import IssuedUpload, start_upload

if TYPE_CHECKING:
    from media.panorama import Progress

__all__ = ["MAX_UPLOAD_BYTES", "PANORAMA_UPLOADS", "add_panorama", "add_panorama_from_upload",
           "get_panoramas", "panorama_by_sha", "request_panorama_upload"]


async def get_panoramas(*, session: AsyncSession, ids: Sequence[int]) -> list[Panorama | None]:
    """Panoramas by id, in the order asked (None where absent), whatever their status."""
    found = {p.id: p for p in (await session.execute(
        select(Panorama).where(Panorama.id.in_(set(ids))))).scalars()}
    return [found.get(i) for i in ids]


async def panorama_by_sha(*, session: AsyncSession, sha256: str) -> Panorama | None:
    """The panorama that owns the tiles of an image's SHA-256 (READY or being tiled), if any."""
    result = await session.execute(select(Panorama).where(Panorama.tiles_claim == sha256))
    return result.scalar_one_or_none()


async def add_panorama(
    *, session: AsyncSession, store: MediaStore, actor: Actor, data: bytes,
    budget: PixelBudget | None = None, progress: Progress | None = None,
) -> tuple[Panorama, bool]:
    """The panorama of an image (tiled into the store when new) and whether it was created;
    the tiles are claimed before they are written, so that a concurrent ingest of the same
    image waits and never deletes them."""
    from media.panorama import sha256_of, tile_panorama  # the image libraries load only here

    require_staff(actor)
    sha = sha256_of(data)
    existing = await panorama_by_sha(session=session, sha256=sha)
    if existing is not None:
        return existing, False
    header = probe(data, budget=budget)
    row = Panorama(status=Status.PENDING.value, tiles_claim=sha,
                   **measured(header, len(data), sha))
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # claimed meanwhile: that ingest owns the tiles
        found = await panorama_by_sha(session=session, sha256=sha)
        assert found is not None
        return found, False
    try:
        tiled = await asyncio.to_thread(tile_panorama, data, header, store, progress=progress)
    except BaseException:  # tile_panorama removed what it wrote: no row claims the image
        await session.delete(row)
        await session.flush()
        raise
    for name, value in tiled_columns(tiled).items():
        setattr(row, name, value)
    row.status = Status.READY.value
    await session.flush()
    return row, True


async def request_panorama_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, content_type: str,
    now: datetime | None = None,
) -> IssuedUpload:
    """A short-lived presigned POST for one panorama image, recorded as a pending upload."""
    require_staff(actor)
    return await start_upload(session=session, store=store, purpose=PANORAMA_UPLOADS,
                              content_type=content_type, prefix=UPLOAD_PREFIX,
                              created_by=actor.account_id, now=now)


async def add_panorama_from_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, key: str,
    now: datetime | None = None,
) -> tuple[Panorama, bool]:
    """The panorama of an uploaded image, PENDING until the tiler has checked and tiled it
    (`media.ingest`), and whether it was recorded now; the upload is checked (issued for
    panoramas, unexpired, received, within its size) without being read. Not committed."""
    require_staff(actor)
    return await record_upload(session=session, store=store, key=key, now=now)
