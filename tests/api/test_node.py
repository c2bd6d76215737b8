"""Relay `node(id)` resolves every Node type, with the same visibility as its own query."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from geo.models import Destination
from media.models import Panorama
from tests.conftest import graphql
from tours.models import Scene, Stop, Tour

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Destination { slug } ... on Tour { slug } ... on Scene { sceneTitle: title }
  ... on Stop { stopTitle: title { text } } ... on Panorama { width } } }"""


async def make_objects(session: AsyncSession, tour_status: str = "published"
                       ) -> dict[str, int]:
    destination = (await session.execute(
        select(Destination).where(Destination.slug == "den-do"))).scalar_one()
    panorama = Panorama(sha256="ab" * 32, source_format="jpeg", source_bytes=10, width=4096,
                        height=2048, face_size=1296, tile_size=512, levels=3,
                        fallback_size=1024, tile_count=60, byte_size=100, level_bytes={},
                        fallback_bytes=10)
    session.add(panorama)
    await session.flush()
    tour = Tour(destination_id=destination.id, slug="den-do-tour", title={"vi": "Tham quan"},
                description={}, status=tour_status)
    session.add(tour)
    await session.flush()
    scene = Scene(tour_id=tour.id, panorama_id=panorama.id, position=1,
                  title={"vi": "Sân đền"})
    stop = Stop(destination_id=destination.id, position=1, title={"vi": "Nghi môn"}, text={})
    session.add_all([scene, stop])
    await session.flush()
    return {"Destination": destination.id, "Tour": tour.id, "Scene": scene.id,
            "Stop": stop.id, "Panorama": panorama.id}


@pytest.mark.parametrize("type_name", ["Destination", "Tour", "Scene", "Stop", "Panorama"])
async def test_node_resolves_each_type(client: httpx.AsyncClient, session: AsyncSession,
                                       type_name: str) -> None:
    ids = await make_objects(session)
    await session.commit()
    global_id = to_global_id(type_name, ids[type_name])
    body = await graphql(client, NODE, {"id": global_id})
    assert "errors" not in body, body
    assert body["data"]["node"]["__typename"] == type_name
    assert body["data"]["node"]["id"] == global_id


async def test_node_hides_what_its_own_query_hides(client: httpx.AsyncClient,
                                                   session: AsyncSession) -> None:
    ids = await make_objects(session, tour_status="draft")
    await session.commit()
    for type_name in ("Tour", "Scene"):
        body = await graphql(client, NODE, {"id": to_global_id(type_name, ids[type_name])})
        assert body["data"]["node"] is None, body


async def test_node_of_a_missing_object_is_null(client: httpx.AsyncClient) -> None:
    body = await graphql(client, NODE, {"id": to_global_id("Stop", 999_999)})
    assert body["data"]["node"] is None and "errors" not in body


async def test_destination_lists_its_published_tours(client: httpx.AsyncClient,
                                                     session: AsyncSession) -> None:
    ids = await make_objects(session)
    draft = Tour(destination_id=ids["Destination"], slug="den-do-draft",
                 title={"vi": "Bản nháp"}, description={}, status="draft")
    session.add(draft)
    await session.commit()
    body = await graphql(client, """query($id: ID!) { destination(id: $id) {
        tours { id slug } } }""", {"id": to_global_id("Destination", ids["Destination"])})
    assert body["data"]["destination"]["tours"] == [
        {"id": to_global_id("Tour", ids["Tour"]), "slug": "den-do-tour"}]
