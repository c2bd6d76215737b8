"""Listing photos through the one upload flow: expiry enforced, refused uploads deleted, only
photo uploads of the photo's listing claimed; on a local folder and on S3 over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import DomainError
from core.time import utcnow
from geo.listings import photos
from geo.listings.models import ListingPhoto
from media import service as media_service
from media.models import MediaObject
from media.store import MediaStore
from tests.accounts.helpers import Cast, cast, snapshot
from tests.geo.listings.images import not_an_image, phone_photo

NOW = utcnow()


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test's own "now": uploads made with it expire 10 minutes later, and a long run
    reaches a module's tests long after it was imported."""
    global NOW
    NOW = utcnow()


async def _staged(session: AsyncSession, store: MediaStore, people: Cast, data: bytes
                  ) -> photos.PhotoUpload:
    """A photo upload of owner A's hotel, started at NOW, whose bytes have arrived."""
    staged = await photos.start_upload(session=session, store=store,
                                       actor=people.owner_a.actor,
                                       destination_id=people.hotel_a,
                                       content_type="image/jpeg", now=NOW)
    store.put(staged.upload.key, data, "image/jpeg")
    await session.commit()
    return staged


async def test_a_photo_confirmed_in_time_is_kept_and_its_upload_used(
        session: AsyncSession, store: MediaStore) -> None:
    people = await cast(session)
    staged = await _staged(session, store, people, phone_photo())
    key = staged.upload.key
    assert staged.photo.upload_key == key and staged.upload.max_bytes == 15 * 1024 * 1024
    assert staged.upload.expires_at == NOW + timedelta(seconds=600)
    photo = await photos.confirm_upload(session=session, store=store,
                                        actor=people.owner_a.actor, photo_id=staged.photo.id,
                                        now=NOW + timedelta(seconds=599))
    assert photo.status == "ready" and store.head(key) is None  # only the clean sizes stay
    assert store.head(photo.variants["large"]["webp"]) is not None
    upload = (await session.execute(select(MediaObject).where(MediaObject.key == key))
              ).scalar_one()
    assert (upload.purpose, upload.status, upload.sha256) == ("listing-photo", "used",
                                                              photo.digest)
    assert upload.subject == {"destination_id": people.hotel_a}


async def test_a_photo_confirmed_after_its_upload_expired_writes_nothing(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection) -> None:
    people = await cast(session)
    photo_id = (await _staged(session, store, people, phone_photo())).photo.id
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await photos.confirm_upload(session=session, store=store, actor=people.owner_a.actor,
                                    photo_id=photo_id, now=NOW + timedelta(seconds=600))
    assert (refused.value.code, refused.value.field) == ("UPLOAD_EXPIRED", "photoId")
    assert await snapshot(connection, store) == before


async def test_a_refused_photo_upload_is_deleted_and_nothing_else_changes(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection) -> None:
    people = await cast(session)
    staged = await _staged(session, store, people, not_an_image())
    photo_id, key = staged.photo.id, staged.upload.key
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await photos.confirm_upload(session=session, store=store, actor=people.owner_a.actor,
                                    photo_id=photo_id, now=NOW)
    assert refused.value.code == "PHOTO_INVALID"
    assert key in before["store"] and store.head(key) is None
    assert await snapshot(connection, store) == {
        **before, "store": [k for k in before["store"] if k != key]}


async def test_a_photo_whose_key_was_issued_for_a_panorama_is_refused(
        session: AsyncSession, store: MediaStore) -> None:
    people = await cast(session)
    panorama = await media_service.request_panorama_upload(
        session=session, store=store, actor=people.editor.actor, content_type="image/jpeg",
        now=NOW)
    store.put(panorama.key, phone_photo(), "image/jpeg")
    photo = ListingPhoto(destination_id=people.hotel_a, uploaded_by=people.owner_a.account_id,
                         status="uploading", upload_key=panorama.key,
                         content_type="image/jpeg", variants={}, created_at=NOW)
    session.add(photo)
    await session.flush()
    with pytest.raises(DomainError) as refused:
        await photos.confirm_upload(session=session, store=store, actor=people.owner_a.actor,
                                    photo_id=photo.id, now=NOW)
    assert refused.value.code == "UPLOAD_NOT_FOUND"
    assert store.head(panorama.key) is not None  # another purpose's object is untouched
