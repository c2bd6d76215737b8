"""Expensive work is bounded per process: while every password-hashing slot is taken a sign-in
waits, then gets SIGN_IN_BUSY; while every photo-rendering slot is taken a confirmation gets
MEDIA_BUSY and writes nothing (its upload stays for a retry); once a slot is free, both pass."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts import service as accounts
from api.settings import Settings
from api.types.common import to_global_id
from core.capacity import WorkSlots
from core.time import utcnow
from geo.listings import photos
from media.store import make_store
from tests.accounts.helpers import PASSWORD, add_person, cast, codes, snapshot
from tests.conftest import graphql
from tests.geo.listings.images import phone_photo

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }"
CONFIRM = "mutation($id: ID!) { confirmListingPhoto(photoId: $id) { id } }"


async def _take_all(slots: WorkSlots, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    monkeypatch.setattr(slots, "wait_s", 0.05)
    return [await slots.acquire() for _ in range(slots.limit)]


async def test_a_sign_in_past_the_hashing_slots_is_refused_then_passes(
        client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await add_person(session, "editor")
    taken = await _take_all(accounts.HASHING, monkeypatch)
    try:
        busy = await graphql(client, LOGIN, {"e": person.email, "p": PASSWORD})
        assert codes(busy) == ["SIGN_IN_BUSY"] and busy["data"] is None
    finally:
        for taken_at in taken:
            accounts.HASHING.release(taken_at)
    signed_in = await graphql(client, LOGIN, {"e": person.email, "p": PASSWORD})
    assert "errors" not in signed_in and signed_in["data"]["login"]["accessToken"]


async def test_a_photo_past_the_rendering_slots_is_refused_and_writes_nothing(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(settings.media.url, public_base_url=settings.server.public_base_url,
                       secret_key=settings.auth.secret_key)
    people = await cast(session)
    staged = await photos.start_upload(session=session, store=store,
                                       actor=people.owner_a.actor,
                                       destination_id=people.hotel_a,
                                       content_type="image/jpeg", now=utcnow())
    store.put(staged.upload.key, phone_photo(), "image/jpeg")
    await session.commit()
    variables = {"id": to_global_id("ListingPhoto", staged.photo.id)}
    before = await snapshot(connection, store)
    taken = await _take_all(photos.RENDERING, monkeypatch)
    try:
        busy = await graphql(client, CONFIRM, variables, people.owner_a.headers)
        assert codes(busy) == ["MEDIA_BUSY"] and busy["data"] is None
        assert await snapshot(connection, store) == before  # the upload stays for a retry
    finally:
        for taken_at in taken:
            photos.RENDERING.release(taken_at)
    confirmed = await graphql(client, CONFIRM, variables, people.owner_a.headers)
    assert "errors" not in confirmed, confirmed
