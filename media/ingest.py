"""Ingest as a job: a panorama upload becomes a PENDING panorama at once, and the tiler makes it
READY (or FAILED, with the code of why) outside any database transaction.

`record_upload` is what the API does: it checks the upload (issued for panoramas, unexpired,
received, within its size) without reading it and records the PENDING row. `ingest_upload` is
the job, run by the S3-triggered `tiler` function in production and by `IngestWorker` in the
local server; it may start before the row is recorded (the store's event is faster than the
client), twice for one upload (events are delivered at least once) or again after a kill:

1. a short transaction records the row if needed, takes its lease (a second run for the same
   upload stops here) and claims the upload (`media.uploads.claim_upload`);
2. the bytes are read, checked and hashed, no transaction open;
3. a short transaction claims the tiles of that digest (`tiles_claim` is unique): the first
   row to claim them tiles; another row of the same image waits for it and is marked READY
   with it, and never writes or deletes a tile;
4. the owner tiles, no transaction open (a failure removes what this run wrote);
5. a short transaction marks the row and its waiting twins READY; the upload is deleted (its
   source is kept with the tiles).

A refused image marks the row (and its twins) FAILED and deletes the upload and any tile the
row owns. An unexpected failure releases the lease and raises (Lambda retries, then its
dead-letter queue); a killed run's lease passes, and `sweep` runs every stale ingest again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.time import as_utc, utcnow
from media.errors import MediaError
from media.errors import MediaErrorCode as Code
from media.images import EXTENSIONS, ImageHeader, PixelBudget, probe
from media.models import MediaObject, Panorama, UploadStatus
from media.models import PanoramaStatus as Status
from media.store import MediaStore
from media.tiling import Layout, layout_for, panorama_prefix
from media.uploads import UploadPurpose, claim_upload, pending_upload

if TYPE_CHECKING:
    from media.panorama import Progress, TiledPanorama

log = logging.getLogger("tourism.ingest")

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Panorama uploads stay in the store until their ingest ends: a retry reads them again.
PANORAMA_UPLOADS = UploadPurpose(
    name="panorama", content_types=EXTENSIONS, max_bytes=MAX_UPLOAD_BYTES, keeps_object=True,
    codes={Code.UPLOAD_TYPE_NOT_ALLOWED: Code.UNSUPPORTED_IMAGE_FORMAT})
UPLOAD_PREFIX = "uploads/panoramas"
#: How long a run may hold an ingest: the tiler's timeout (900 s) and a margin.
LEASE_S = 930
Sessions = Callable[[], AsyncSession]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Where an ingest left its panorama (`panorama_id` None: the key is no panorama upload)."""

    panorama_id: int | None
    status: Status
    failure: str | None = None
    #: Another run holds the lease, or the row was done already: this one did nothing.
    skipped: bool = False

    def as_json(self) -> dict[str, Any]:
        """The result as the tiler function answers it."""
        return {"panoramaId": self.panorama_id, "status": self.status.value,
                "failure": self.failure, "skipped": self.skipped}


async def _by_upload(session: AsyncSession, key: str) -> Panorama | None:
    found: Panorama | None = (await session.execute(
        select(Panorama).where(Panorama.upload_key == key)
        .execution_options(populate_existing=True))).scalar_one_or_none()
    return found


async def record_upload(*, session: AsyncSession, store: MediaStore, key: str,
                        now: datetime | None = None) -> tuple[Panorama, bool]:
    """The PENDING panorama of an uploaded image (recorded when new, not committed) and whether
    it was recorded now; MediaError when the key is no live, received panorama upload."""
    found = await _by_upload(session, key)
    if found is not None:
        return found, False
    upload = await pending_upload(session=session, purpose=PANORAMA_UPLOADS, key=key)
    if as_utc(upload.expires_at) <= (now or utcnow()):
        raise PANORAMA_UPLOADS.error(Code.UPLOAD_EXPIRED,
                                     "the upload has expired: request a new one")
    info = await asyncio.to_thread(store.head, key)
    if info is None:
        raise PANORAMA_UPLOADS.error(Code.UPLOAD_NOT_RECEIVED,
                                     "nothing was uploaded under this key")
    if info.size > upload.max_bytes:
        raise PANORAMA_UPLOADS.error(Code.UPLOAD_TOO_LARGE, f"the upload has {info.size} "
                                     f"bytes, more than {upload.max_bytes}")
    row = Panorama(status=Status.PENDING.value, upload_key=key, source_bytes=info.size)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # the tiler recorded it meanwhile
        found = await _by_upload(session, key)
        assert found is not None
        return found, False
    return row, True


async def _take_lease(session: AsyncSession, panorama_id: int, now: datetime, lease_s: float
                      ) -> bool:
    taken = await session.execute(
        update(Panorama)
        .where(Panorama.id == panorama_id, Panorama.status == Status.PENDING.value,
               or_(Panorama.lease_until.is_(None), Panorama.lease_until < now))
        .values(lease_until=now + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return getattr(taken, "rowcount", 0) == 1


async def _claim(session: AsyncSession, store: MediaStore, key: str, now: datetime
                 ) -> str | None:
    """Claims the upload unless a run before this one did; the refusal's code otherwise."""
    status = (await session.execute(
        select(MediaObject.status).where(MediaObject.key == key))).scalar_one_or_none()
    if status != UploadStatus.PENDING.value:
        return None
    try:
        async with claim_upload(session=session, store=store, purpose=PANORAMA_UPLOADS,
                                key=key, now=now):
            pass
    except MediaError as exc:
        return str(exc.code)
    return None


def measured(header: ImageHeader, size: int, sha256: str) -> dict[str, Any]:
    """The columns an image's header and digest fill (its layout included)."""
    layout: Layout = layout_for(header.width, header.height)
    return {"sha256": sha256, "source_format": header.format.lower(), "source_bytes": size,
            "width": layout.width, "height": layout.height, "face_size": layout.face_size,
            "tile_size": layout.tile_size, "levels": layout.levels,
            "fallback_size": layout.fallback_size, "tile_count": layout.tile_count}


def tiled_columns(tiled: TiledPanorama) -> dict[str, Any]:
    """The columns what was tiled fills (sizes of every object)."""
    groups = tiled.group_bytes()
    return {"byte_size": tiled.byte_size, "level_bytes": groups,
            "fallback_bytes": groups.get("fallback", 0)}


_COPIED = ("sha256", "source_format", "width", "height", "face_size", "tile_size", "levels",
           "fallback_size", "tile_count", "byte_size", "level_bytes", "fallback_bytes")


async def _claim_tiles(session: AsyncSession, panorama_id: int, columns: dict[str, Any]
                       ) -> tuple[bool, Status]:
    """(whether this row owns the tiles of its digest, its status now)."""
    sha = columns["sha256"]
    await session.execute(update(Panorama).where(Panorama.id == panorama_id).values(**columns)
                          .execution_options(synchronize_session=False))
    owner = (await session.execute(select(Panorama).where(Panorama.tiles_claim == sha)
                                   .execution_options(populate_existing=True))).scalar()
    if owner is None:
        try:
            async with session.begin_nested():
                await session.execute(update(Panorama).where(Panorama.id == panorama_id)
                                      .values(tiles_claim=sha)
                                      .execution_options(synchronize_session=False))
            return True, Status.PENDING
        except IntegrityError:  # another row claimed them meanwhile
            owner = (await session.execute(select(Panorama).where(Panorama.tiles_claim == sha)
                                           .execution_options(populate_existing=True))).scalar()
            assert owner is not None
    if owner.id == panorama_id:
        return True, Status.PENDING
    values: dict[str, Any] = {"lease_until": None}
    if owner.ready:  # its tiles are there: show them
        values.update({name: getattr(owner, name) for name in _COPIED},
                      status=Status.READY.value)
    await session.execute(update(Panorama).where(Panorama.id == panorama_id).values(**values)
                          .execution_options(synchronize_session=False))
    return False, Status.READY if owner.ready else Status.PENDING


async def _twin_uploads(session: AsyncSession, sha: str, panorama_id: int) -> list[str]:
    """The uploads of the rows that wait for this row's tiles."""
    return [k for k in (await session.execute(
        select(Panorama.upload_key).where(Panorama.sha256 == sha, Panorama.id != panorama_id,
                                          Panorama.status == Status.PENDING.value))).scalars()
            if k is not None]


async def _finish(sessions: Sessions, store: MediaStore, panorama_id: int, key: str,
                  columns: dict[str, Any]) -> IngestResult:
    async with sessions() as session:
        twins = await _twin_uploads(session, columns["sha256"], panorama_id)
        await session.execute(
            update(Panorama).where(Panorama.id == panorama_id)
            .values(**columns, status=Status.READY.value, failure=None, lease_until=None)
            .execution_options(synchronize_session=False))
        await session.execute(  # the rows of the same image that waited for these tiles
            update(Panorama)
            .where(Panorama.sha256 == columns["sha256"], Panorama.id != panorama_id,
                   Panorama.status == Status.PENDING.value)
            .values({**{k: v for k, v in columns.items() if k in _COPIED},
                     "status": Status.READY.value, "lease_until": None})
            .execution_options(synchronize_session=False))
        await session.commit()
    await asyncio.to_thread(store.delete_many, [key, *twins])
    return IngestResult(panorama_id, Status.READY)


async def _fail(sessions: Sessions, store: MediaStore, panorama_id: int, key: str, code: str
                ) -> IngestResult:
    """FAILED with a code, for the row and the twins waiting for its tiles; the upload and the
    tiles this row owns are deleted."""
    async with sessions() as session:
        row = await session.get(Panorama, panorama_id, populate_existing=True)
        assert row is not None
        owned = row.tiles_claim
        values = {"status": Status.FAILED.value, "failure": code, "lease_until": None,
                  "tiles_claim": None}
        await session.execute(update(Panorama).where(Panorama.id == panorama_id).values(values)
                              .execution_options(synchronize_session=False))
        twins = await _twin_uploads(session, owned, panorama_id) if owned else []
        if owned is not None:
            await session.execute(
                update(Panorama).where(Panorama.sha256 == owned,
                                       Panorama.status == Status.PENDING.value)
                .values(status=Status.FAILED.value, failure=code, lease_until=None)
                .execution_options(synchronize_session=False))
        await session.commit()
    leftovers = [key, *twins]
    if owned is not None:  # a killed run of this row may have left some
        prefix = panorama_prefix(owned)
        leftovers += await asyncio.to_thread(store.list_keys, prefix)
    await asyncio.to_thread(store.delete_many, leftovers)
    log.info("panorama %s failed: %s", panorama_id, code)
    return IngestResult(panorama_id, Status.FAILED, code)


async def _release(sessions: Sessions, panorama_id: int) -> None:
    async with sessions() as session:
        await session.execute(update(Panorama).where(Panorama.id == panorama_id)
                              .values(lease_until=None)
                              .execution_options(synchronize_session=False))
        await session.commit()


async def ingest_upload(*, sessions: Sessions, store: MediaStore, key: str,
                        now: datetime | None = None, progress: Progress | None = None,
                        budget: PixelBudget | None = None, lease_s: float = LEASE_S
                        ) -> IngestResult:
    """Tiles an uploaded panorama and marks it READY, or FAILED with a code (see the module)."""
    from media.panorama import sha256_of, tile_panorama  # the image libraries: the tiler's

    now = now or utcnow()
    async with sessions() as session:
        try:
            row, _ = await record_upload(session=session, store=store, key=key, now=now)
        except MediaError as exc:
            log.info("no panorama upload %s: %s", key, exc.code)
            return IngestResult(None, Status.FAILED, str(exc.code), skipped=True)
        panorama_id, status, failure = row.id, Status(row.status), row.failure
        if not await _take_lease(session, panorama_id, now, lease_s):
            await session.commit()
            return IngestResult(panorama_id, status, failure, skipped=True)
        refused = await _claim(session, store, key, now)
        await session.commit()
    if refused is not None:
        return await _fail(sessions, store, panorama_id, key, refused)
    try:
        try:
            data = await asyncio.to_thread(store.get, key)
        except MediaError as exc:
            raise MediaError(Code.UPLOAD_NOT_RECEIVED, "the upload is gone") from exc
        header = probe(data, budget=budget)
    except MediaError as exc:
        return await _fail(sessions, store, panorama_id, key, str(exc.code))
    columns = measured(header, len(data), sha256_of(data))
    async with sessions() as session:
        owns, status = await _claim_tiles(session, panorama_id, columns)
        await session.commit()
    if not owns:
        if status is Status.READY:
            await asyncio.to_thread(store.delete_many, [key])
        return IngestResult(panorama_id, status)
    try:
        tiled = await asyncio.to_thread(tile_panorama, data, header, store, progress=progress)
    except MediaError as exc:
        return await _fail(sessions, store, panorama_id, key, str(exc.code))
    except BaseException:
        await _release(sessions, panorama_id)
        raise
    return await _finish(sessions, store, panorama_id, key, {**columns, **tiled_columns(tiled)})


async def sweep(*, sessions: Sessions, store: MediaStore, now: datetime | None = None,
                stale_s: float = LEASE_S) -> list[IngestResult]:
    """Runs again every ingest left PENDING: its lease passed, or none was taken in stale_s."""
    now = now or utcnow()
    async with sessions() as session:
        keys = list((await session.execute(
            select(Panorama.upload_key)
            .where(Panorama.status == Status.PENDING.value, Panorama.upload_key.is_not(None),
                   or_(Panorama.lease_until < now,
                       Panorama.lease_until.is_(None)
                       & (Panorama.created_at < now - timedelta(seconds=stale_s))))
            .order_by(Panorama.id))).scalars())
    return [await ingest_upload(sessions=sessions, store=store, key=key, now=now)
            for key in keys if key is not None]


class IngestWorker:
    """The local server's tiler: ingests queued on this event loop, one at a time (tiling
    takes every core), awaited or cancelled at shutdown."""

    def __init__(self, sessions: Sessions, store: MediaStore) -> None:
        self.sessions, self.store = sessions, store
        self.turn = asyncio.Lock()
        self.tasks: set[asyncio.Task[Any]] = set()

    def _queue(self, job: Callable[[], Awaitable[Any]]) -> None:
        async def run() -> None:
            async with self.turn:
                try:
                    await job()
                except Exception:
                    log.exception("an ingest failed; the sweep runs it again")

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def submit(self, key: str) -> None:
        """Queues the ingest of an uploaded panorama."""
        self._queue(lambda: ingest_upload(sessions=self.sessions, store=self.store, key=key))

    def submit_sweep(self) -> None:
        """Queues a sweep of the ingests a stopped server left PENDING."""
        self._queue(lambda: sweep(sessions=self.sessions, store=self.store))

    async def drain(self) -> None:
        """Until every queued ingest has ended."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self) -> None:
        """Stops waiting ingests (their rows stay PENDING for the next sweep)."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*list(self.tasks), return_exceptions=True)
