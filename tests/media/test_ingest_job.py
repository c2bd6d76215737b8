"""The ingest job: PENDING at once, READY or FAILED with a code later; the same image twice is
one set of tiles that the second never writes or deletes; a second run of one upload does
nothing; a killed run is cleaned by the sweep (a local folder and S3 over HTTP)."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.time import utcnow
from media import ingest, service
from media.models import Panorama
from media.store import MediaStore
from tests.media.panorama_images import direction_panorama, encoded
from tests.qr.conftest import STAFF

IMAGE = encoded(direction_panorama(1024), "JPEG")
SHA = hashlib.sha256(IMAGE).hexdigest()


async def _uploaded(session: AsyncSession, store: MediaStore, data: bytes = IMAGE) -> str:
    issued = await service.request_panorama_upload(session=session, store=store, actor=STAFF,
                                                   content_type="image/jpeg")
    store.put(issued.key, data, "image/jpeg")
    await session.commit()
    return issued.key


async def _row(session: AsyncSession, panorama_id: int | None) -> Panorama:
    found = (await session.execute(select(Panorama).where(Panorama.id == panorama_id)
                                   .execution_options(populate_existing=True))).scalar_one()
    return found


async def test_the_same_image_twice_is_one_set_of_tiles_never_deleted_by_the_second(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession],
        store: MediaStore) -> None:
    first, second = await _uploaded(session, store), await _uploaded(session, store)
    # the second upload's run gets to the digest while the first one still tiles
    one, _ = await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                                    key=first)
    one.tiles_claim = SHA
    await session.commit()
    waiting = await ingest.ingest_upload(sessions=sessions, store=store, key=second)
    assert (waiting.status, waiting.skipped) == ("pending", False)
    assert store.list_keys("panoramas") == []  # the twin wrote nothing
    one.tiles_claim = None
    await session.commit()
    done = await ingest.ingest_upload(sessions=sessions, store=store, key=first)
    assert done.status == "ready"
    owner, twin = await _row(session, done.panorama_id), await _row(session, waiting.panorama_id)
    assert twin.status == "ready" and twin.sha256 == owner.sha256 == owner.tiles_claim
    assert twin.tiles_claim is None and (twin.levels, twin.byte_size) == (owner.levels,
                                                                          owner.byte_size)
    tiles = store.list_keys("panoramas")
    assert tiles and all(k.startswith(f"panoramas/{owner.sha256}/") for k in tiles)
    # a third upload of it is READY at once, and a refused one does not touch those tiles
    third = await ingest.ingest_upload(sessions=sessions, store=store,
                                       key=await _uploaded(session, store))
    assert third.status == "ready" and store.list_keys("panoramas") == tiles
    broken = await ingest.ingest_upload(sessions=sessions, store=store,
                                        key=await _uploaded(session, store, IMAGE[:-300]))
    assert (broken.status, broken.failure) == ("failed", "TRUNCATED_IMAGE")
    assert store.list_keys("panoramas") == tiles
    assert store.list_keys("uploads") == []


async def test_a_second_run_of_one_upload_does_nothing_while_the_first_holds_it(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession],
        store: MediaStore) -> None:
    key = await _uploaded(session, store)
    row, _ = await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                                    key=key)
    row.lease_until = utcnow() + timedelta(minutes=5)  # a run is at work
    await session.commit()
    busy = await ingest.ingest_upload(sessions=sessions, store=store, key=key)
    assert (busy.status, busy.skipped) == ("pending", True)
    assert store.list_keys("panoramas") == [] and store.head(key) is not None


async def test_a_killed_ingest_is_cleaned_by_the_sweep(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession],
        store: MediaStore) -> None:
    # a run claimed the upload and the tiles, wrote some, then its container was killed
    key = await _uploaded(session, store)
    started = utcnow() - timedelta(hours=1)
    row, _ = await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                                    key=key)
    sha = SHA
    row.lease_until, row.tiles_claim, row.sha256 = started + timedelta(seconds=930), sha, sha
    await session.commit()
    store.put(f"panoramas/{sha}/1/f0_0.jpg", b"half", "image/jpeg")
    # the retry finds the upload and finishes the job
    (retried,) = await ingest.sweep(sessions=sessions, store=store)
    assert retried.status == "ready" and store.head(key) is None
    assert (await _row(session, row.id)).status == "ready"
    # a killed run whose upload is gone: FAILED, and its partial tiles removed
    lost = await _uploaded(session, store, encoded(direction_panorama(1536), "JPEG"))
    gone, _ = await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                                     key=lost)
    other = "ab" * 32
    gone.lease_until, gone.tiles_claim, gone.sha256 = started, other, other
    await session.commit()
    store.put(f"panoramas/{other}/1/f0_0.jpg", b"half", "image/jpeg")
    store.delete_many([lost])
    (failed,) = await ingest.sweep(sessions=sessions, store=store)
    assert (failed.status, failed.failure) == ("failed", "UPLOAD_NOT_RECEIVED")
    assert store.list_keys(f"panoramas/{other}") == []
    assert (await _row(session, gone.id)).tiles_claim is None
    assert await ingest.sweep(sessions=sessions, store=store) == []


async def test_the_tiler_may_come_before_the_mutation(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession],
        store: MediaStore) -> None:
    key = await _uploaded(session, store)
    done = await ingest.ingest_upload(sessions=sessions, store=store, key=key)
    assert done.status == "ready"
    row, created = await service.add_panorama_from_upload(session=session, store=store,
                                                          actor=STAFF, key=key)
    assert (row.id, created, row.status) == (done.panorama_id, False, "ready")
    unknown = await ingest.ingest_upload(sessions=sessions, store=store,
                                         key="uploads/panoramas/nobody.jpg")
    assert (unknown.panorama_id, unknown.failure, unknown.skipped) == (
        None, "UPLOAD_NOT_FOUND", True)


async def test_a_16384_by_8192_upload_is_pending_within_two_seconds(
        session: AsyncSession, store: MediaStore) -> None:
    from PIL import Image

    big = encoded(Image.new("RGB", (16384, 8192), (40, 90, 160)), "JPEG", quality=80)
    key = await _uploaded(session, store, big)
    began = time.perf_counter()
    row, created = await service.add_panorama_from_upload(session=session, store=store,
                                                          actor=STAFF, key=key)
    await session.commit()
    assert time.perf_counter() - began < 2.0
    assert created and row.status == "pending"
