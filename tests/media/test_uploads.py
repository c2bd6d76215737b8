"""The one upload flow: a pending upload for a purpose and subject, claimed once before it
expires; an expired or foreign claim writes nothing, a refused upload is deleted from the
store (a local folder and S3 over HTTP)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from enum import StrEnum

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from core.errors import DomainError
from core.time import utcnow
from media import ingest, service, uploads
from media.errors import MediaErrorCode
from media.models import MediaObject
from media.store import MediaStore
from tests.accounts.helpers import snapshot
from tests.media.panorama_images import direction_panorama, encoded
from tests.qr.conftest import STAFF


class PurposeCode(StrEnum):
    """A purpose's own code for a refusal (as stops and photos have)."""

    TEST_KEY_UNKNOWN = "TEST_KEY_UNKNOWN"
    TEST_REFUSED = "TEST_REFUSED"


PLAIN = uploads.UploadPurpose(name="test-plain", content_types={"image/png": "png"},
                              max_bytes=1000, expires_s=60)
KEPT = uploads.UploadPurpose(name="test-kept", content_types={"image/png": "png"},
                             max_bytes=1000, keeps_object=True,
                             codes={MediaErrorCode.UPLOAD_NOT_FOUND: PurposeCode.TEST_KEY_UNKNOWN})
NOW = utcnow()


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test's own "now": uploads made with it expire 10 minutes later, and a long run
    reaches a module's tests long after it was imported."""
    global NOW
    NOW = utcnow()



async def _start(session: AsyncSession, store: MediaStore,
                 purpose: uploads.UploadPurpose = PLAIN, subject: dict[str, object] | None = None
                 ) -> uploads.IssuedUpload:
    return await uploads.start_upload(session=session, store=store, purpose=purpose,
                                      content_type="image/png", prefix="uploads/test",
                                      created_by=7, subject=subject, now=NOW)


async def _row(session: AsyncSession, key: str) -> tuple[object, ...]:
    row = (await session.execute(select(
        MediaObject.status, MediaObject.byte_size, MediaObject.sha256, MediaObject.claimed_at)
        .where(MediaObject.key == key))).one()
    return tuple(row)


async def test_an_upload_is_recorded_for_its_purpose_subject_and_time(
        session: AsyncSession, store: MediaStore) -> None:
    issued = await _start(session, store, subject={"stop_id": 3, "lang": "vi"})
    assert issued.key.startswith("uploads/test/") and issued.key.endswith(".png")
    assert issued.expires_at == NOW + timedelta(seconds=60)
    assert (issued.content_type, issued.max_bytes) == ("image/png", 1000)
    assert issued.fields["Content-Type"] == "image/png" and issued.url
    row = issued.upload
    assert (row.purpose, row.status, row.created_by) == ("test-plain", "pending", 7)
    assert row.subject == {"stop_id": 3, "lang": "vi"}
    with pytest.raises(DomainError) as refused:
        await uploads.start_upload(session=session, store=store, purpose=PLAIN,
                                   content_type="image/gif", prefix="uploads/test",
                                   created_by=7, now=NOW)
    assert (refused.value.code, refused.value.field) == ("UPLOAD_TYPE_NOT_ALLOWED",
                                                         "contentType")


@pytest.mark.parametrize("purpose", [PLAIN, KEPT], ids=["deleted", "kept"])
async def test_a_claim_uses_the_upload_once(session: AsyncSession, store: MediaStore,
                                            purpose: uploads.UploadPurpose) -> None:
    issued = await _start(session, store, purpose)
    store.put(issued.key, b"\x89PNG-bytes", "image/png")
    async with uploads.claim_upload(session=session, store=store, purpose=purpose,
                                    key=issued.key, now=NOW) as claimed:
        data = await claimed.read()
        claimed.sha256 = hashlib.sha256(data).hexdigest()
    assert (claimed.size, data) == (10, b"\x89PNG-bytes")
    status, size, sha, claimed_at = await _row(session, issued.key)
    assert (status, size, sha) == ("used", 10, hashlib.sha256(data).hexdigest())
    assert claimed_at is not None
    assert (store.head(issued.key) is not None) is purpose.keeps_object
    with pytest.raises(DomainError) as again:
        async with uploads.claim_upload(session=session, store=store, purpose=purpose,
                                        key=issued.key, now=NOW):
            pass
    assert again.value.code == purpose.codes.get(MediaErrorCode.UPLOAD_NOT_FOUND,
                                                      MediaErrorCode.UPLOAD_NOT_FOUND)


async def test_an_expired_claim_writes_nothing(session: AsyncSession, store: MediaStore,
                                               connection: AsyncConnection) -> None:
    issued = await _start(session, store)
    store.put(issued.key, b"\x89PNG-bytes", "image/png")
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        async with uploads.claim_upload(session=session, store=store, purpose=PLAIN,
                                        key=issued.key, now=NOW + timedelta(seconds=60)):
            pytest.fail("an expired upload was claimed")
    assert refused.value.code == "UPLOAD_EXPIRED"
    assert await snapshot(connection, store) == before
    assert await _row(session, issued.key) == ("pending", None, None, None)


async def test_a_claim_for_another_purpose_or_subject_is_refused_and_touches_nothing(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection) -> None:
    issued = await _start(session, store, subject={"stop_id": 3, "lang": "vi"})
    store.put(issued.key, b"\x89PNG-bytes", "image/png")
    await session.flush()
    before = await snapshot(connection, store)
    for purpose, subject, code in ((KEPT, None, "TEST_KEY_UNKNOWN"),
                                   (PLAIN, {"stop_id": 3, "lang": "en"}, "UPLOAD_NOT_FOUND"),
                                   (PLAIN, {"stop_id": 4, "lang": "vi"}, "UPLOAD_NOT_FOUND")):
        with pytest.raises(DomainError) as refused:
            async with uploads.claim_upload(session=session, store=store, purpose=purpose,
                                            key=issued.key, subject=subject, now=NOW):
                pytest.fail("a foreign upload was claimed")
        assert refused.value.code == code
    assert await snapshot(connection, store) == before
    assert await _row(session, issued.key) == ("pending", None, None, None)


async def test_a_missing_upload_is_not_received_and_a_too_large_one_is_deleted(
        session: AsyncSession, store: MediaStore) -> None:
    issued = await _start(session, store)
    with pytest.raises(DomainError) as missing:
        async with uploads.claim_upload(session=session, store=store, purpose=PLAIN,
                                        key=issued.key, now=NOW):
            pass
    assert missing.value.code == "UPLOAD_NOT_RECEIVED"
    store.put(issued.key, b"x" * 1001, "image/png")  # moto does not enforce the policy
    with pytest.raises(DomainError) as too_large:
        async with uploads.claim_upload(session=session, store=store, purpose=PLAIN,
                                        key=issued.key, now=NOW):
            pass
    assert too_large.value.code == "UPLOAD_TOO_LARGE"
    assert store.head(issued.key) is None
    store.put(issued.key, b"x" * 600, "image/png")  # a tighter limit of the claimant
    with pytest.raises(DomainError) as tighter:
        async with uploads.claim_upload(session=session, store=store, purpose=PLAIN,
                                        key=issued.key, max_bytes=500, now=NOW):
            pass
    assert tighter.value.code == "UPLOAD_TOO_LARGE" and store.head(issued.key) is None


async def test_an_upload_refused_by_its_checks_is_deleted_and_its_writes_undone(
        session: AsyncSession, store: MediaStore) -> None:
    issued = await _start(session, store, KEPT)
    store.put(issued.key, b"\x89PNG-bytes", "image/png")
    uploads_before = await session.scalar(select(func.count(MediaObject.id)))
    with pytest.raises(DomainError) as refused:
        async with uploads.claim_upload(session=session, store=store, purpose=KEPT,
                                        key=issued.key, now=NOW):
            session.add(MediaObject(key="written/while/checking", purpose="x",
                                    content_type="image/png", max_bytes=1, expires_at=NOW))
            await session.flush()
            raise DomainError(PurposeCode.TEST_REFUSED, "not what it claims")
    assert refused.value.code == "TEST_REFUSED"
    assert store.head(issued.key) is None
    assert await session.scalar(select(func.count(MediaObject.id))) == uploads_before
    assert await _row(session, issued.key) == ("pending", None, None, None)


async def test_a_panorama_upload_claimed_after_it_expired_writes_nothing(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    issued = await service.request_panorama_upload(session=session, store=store, actor=STAFF,
                                                   content_type="image/jpeg", now=NOW)
    assert issued.expires_at == NOW + timedelta(seconds=600)
    store.put(issued.key, encoded(direction_panorama(1024), "JPEG"), "image/jpeg")
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                               key=issued.key, now=issued.expires_at)
    assert (refused.value.code, refused.value.field) == ("UPLOAD_EXPIRED", "key")
    assert await snapshot(connection, store) == before
    in_time = issued.expires_at - timedelta(seconds=1)
    panorama, created = await service.add_panorama_from_upload(
        session=session, store=store, actor=STAFF, key=issued.key, now=in_time)
    assert created and panorama.status == "pending" and panorama.sha256 is None
    await session.commit()
    done = await ingest.ingest_upload(sessions=sessions, store=store, key=issued.key,
                                      now=in_time)
    assert (done.panorama_id, done.status) == (panorama.id, "ready")
    assert store.head(issued.key) is None  # its source is kept with the tiles


async def test_a_refused_panorama_upload_is_deleted(
        session: AsyncSession, store: MediaStore,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    issued = await service.request_panorama_upload(session=session, store=store, actor=STAFF,
                                                   content_type="image/jpeg", now=NOW)
    good = encoded(direction_panorama(1024), "JPEG")
    store.put(issued.key, good[: len(good) // 2], "image/jpeg")
    panorama, _ = await service.add_panorama_from_upload(session=session, store=store,
                                                         actor=STAFF, key=issued.key, now=NOW)
    await session.commit()
    done = await ingest.ingest_upload(sessions=sessions, store=store, key=issued.key, now=NOW)
    assert (done.status, done.failure) == ("failed", "TRUNCATED_IMAGE")
    await session.refresh(panorama)
    assert (panorama.status, panorama.failure) == ("failed", "TRUNCATED_IMAGE")
    assert store.list_keys("") == []


async def test_a_photo_or_narration_key_is_no_panorama_upload(
        session: AsyncSession, store: MediaStore) -> None:
    foreign = await _start(session, store)
    store.put(foreign.key, encoded(direction_panorama(1024), "PNG"), "image/png")
    with pytest.raises(DomainError) as refused:
        await service.add_panorama_from_upload(session=session, store=store, actor=STAFF,
                                               key=foreign.key, now=NOW)
    assert refused.value.code == "UPLOAD_NOT_FOUND"
    assert store.head(foreign.key) is not None
