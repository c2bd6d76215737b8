"""Staff change, reorder and delete stops and delete narrations through GraphQL (the same
services as the console): every file of a deleted narration leaves the store, refusals change
nothing, and only staff may; on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from api.types.common import to_global_id
from media.store import MediaStore
from tests.accounts.helpers import add_person
from tests.conftest import graphql
from tests.qr.conftest import STAFF, as_staff, make_guide_stop
from tours import stops
from tours.models import Narration, Stop

UPDATE = """mutation($id: ID!, $title: [TextInput!]) {
  updateStop(input: {stopId: $id, title: $title}) { id title { text lang } } }"""
MOVE = """mutation($id: ID!, $direction: StopMoveDirection!) {
  moveStop(stopId: $id, direction: $direction) { id position } }"""
DELETE_NARRATION = """mutation($id: ID!, $lang: String!) {
  deleteNarration(stopId: $id, lang: $lang) }"""
DELETE_STOP = """mutation($id: ID!) { deleteStop(stopId: $id) }"""


@pytest.fixture
async def editor_client(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                        connection: AsyncConnection, session: AsyncSession
                        ) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose every request is made by a real editor's account (the audit trail
    names it)."""
    editor = await add_person(session, "editor")
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    transport = httpx.ASGITransport(app=as_staff(app, editor.actor))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _store(client: httpx.AsyncClient) -> MediaStore:
    store: MediaStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


async def test_staff_edit_reorder_and_delete_stops_and_narrations(
        session: AsyncSession, editor_client: httpx.AsyncClient) -> None:
    staff_client = editor_client
    store = _store(staff_client)
    guide = await make_guide_stop(session, store)
    first = to_global_id("Stop", guide.stop.id)
    second = await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=guide.destination.id, title={"vi": "Hậu cung"}))
    await session.flush()
    # a Korean title added after the fact; an empty title refused, nothing changed
    titled = await graphql(staff_client, UPDATE, {"id": first, "title": [
        {"lang": "vi", "text": "Chính điện"}, {"lang": "ko", "text": "본전"}]})
    assert titled["data"]["updateStop"]["id"] == first
    await session.refresh(guide.stop)
    assert guide.stop.title == {"vi": "Chính điện", "ko": "본전"}
    refused = await graphql(staff_client, UPDATE, {"id": first, "title": []})
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_STOP"
    await session.refresh(guide.stop)
    assert guide.stop.title == {"vi": "Chính điện", "ko": "본전"}
    # the new stop moves before the first one
    route = (await graphql(staff_client, MOVE, {"id": to_global_id("Stop", second.id),
                                                "direction": "UP"}))["data"]["moveStop"]
    ids = [r["id"] for r in route]
    assert ids.index(to_global_id("Stop", second.id)) < ids.index(first)
    # the English narration goes with every file of it; a second time it is not found
    english = (await session.execute(select(Narration).where(
        Narration.stop_id == guide.stop.id, Narration.lang == "en"))).scalar_one()
    files = [english.audio_key, english.transcript_key]
    assert (await graphql(staff_client, DELETE_NARRATION, {"id": first, "lang": "en"})
            )["data"]["deleteNarration"] is True
    assert all(store.head(key) is None for key in files)
    again = await graphql(staff_client, DELETE_NARRATION, {"id": first, "lang": "en"})
    assert again["errors"][0]["extensions"]["code"] == "NARRATION_NOT_FOUND"
    # the stop goes with its last narration and its files; its code opens nothing
    vietnamese = (await session.execute(select(Narration).where(
        Narration.stop_id == guide.stop.id))).scalar_one()
    assert (await graphql(staff_client, DELETE_STOP, {"id": first}))["data"]["deleteStop"] \
        == first
    assert await session.scalar(select(func.count(Stop.id)).where(Stop.id == guide.stop.id)) == 0
    assert store.head(vietnamese.audio_key) is None
    assert int(await session.scalar(select(func.count(Narration.id)).where(
        Narration.stop_id == guide.stop.id)) or 0) == 0
    assert (await staff_client.get(f"/q/{guide.code}")).status_code == 404


async def test_only_staff_edit_stops(session: AsyncSession, client: httpx.AsyncClient) -> None:
    guide = await make_guide_stop(session, _store(client))
    first = to_global_id("Stop", guide.stop.id)
    for query, variables in ((UPDATE, {"id": first, "title": [{"lang": "vi", "text": "X"}]}),
                             (MOVE, {"id": first, "direction": "DOWN"}),
                             (DELETE_NARRATION, {"id": first, "lang": "vi"}),
                             (DELETE_STOP, {"id": first})):
        answer = await graphql(client, query, variables)
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", query
    await session.refresh(guide.stop)
    assert guide.stop.title["vi"] == "Chính điện thờ Bà Thiên Hậu"
    assert int(await session.scalar(select(func.count(Narration.id)).where(
        Narration.stop_id == guide.stop.id)) or 0) == 2

