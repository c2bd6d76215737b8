"""People counters post counts with keys scoped to one site; `Destination.crowding` sums the
counters now and by local hour of the week; a counter key can do nothing else, and a refused
post writes nothing; on both databases."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.service import create_api_key
from api.types.common import to_global_id
from core.time import utcnow
from geo.hours import LOCAL_TZ
from geo.models import Destination
from geo.occupancy.models import OccupancyHour
from tests.conftest import graphql

CROWDING = """query($id: ID!) { destination(id: $id) { crowding {
  now { level visitors } byHourOfWeek { weekday hour level visitors } } } }"""
NAMES = "{ destinations(first: 1) { edges { node { name } } } }"


async def site(session: AsyncSession, slug: str) -> Destination:
    return (await session.execute(select(Destination).where(Destination.slug == slug))
            ).scalar_one()


async def counter_key(session: AsyncSession, name: str, destination: Destination) -> str:
    _, key = await create_api_key(session=session, actor=None, name=name,
                                  counter_for=destination.id)
    await session.commit()
    return key


async def rows(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OccupancyHour)) or 0)


async def test_two_counters_show_up_in_crowding(client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
    museum = await site(session, "chua-ba-thien-hau")
    gate, hall = (await counter_key(session, "gate", museum),
                  await counter_key(session, "hall", museum))
    now = utcnow()
    # a week ago in the next hour: gate 10 and 30 (mean 20), hall 40: 60 at that slot
    week_ago = (now - timedelta(days=7) + timedelta(hours=1)).replace(minute=30)
    for key, counts in ((gate, [10, 30]), (hall, [40])):
        sent = await client.post(f"/counters/{museum.slug}", headers={"X-Api-Key": key},
                                 json={"counts": [{"count": c, "at": week_ago.isoformat()}
                                                  for c in counts]})
        assert sent.status_code == 200 and sent.json() == {"recorded": len(counts)}
    # now: gate 12, hall 6 -> 18 inside, 30 % of the slot's 60 -> MODERATE
    for key, value in ((gate, 12), (hall, 6)):
        sent = await client.post(f"/counters/{museum.slug}", headers={"X-Api-Key": key},
                                 json={"count": value, "at": now.astimezone(LOCAL_TZ).isoformat()})
        assert sent.status_code == 200, sent.text
    body = await graphql(client, CROWDING, {"id": to_global_id("Destination", museum.id)})
    crowding = body["data"]["destination"]["crowding"]
    assert crowding["now"] == {"level": "MODERATE", "visitors": 18}
    local = now.astimezone(LOCAL_TZ)
    slot = {(h["weekday"], h["hour"]): h for h in crowding["byHourOfWeek"]}
    before = week_ago.astimezone(LOCAL_TZ)
    assert slot[(before.weekday(), before.hour)] == {
        "weekday": before.weekday(), "hour": before.hour, "level": "VERY_BUSY", "visitors": 60}
    assert slot[(local.weekday(), local.hour)]["visitors"] == 18
    assert slot[(local.weekday(), local.hour)]["level"] == "MODERATE"
    assert len(slot) == 2


async def test_a_counter_key_can_do_nothing_else(client: httpx.AsyncClient,
                                                 session: AsyncSession) -> None:
    museum = await site(session, "chua-ba-thien-hau")
    other = (await session.execute(select(Destination).where(
        Destination.id != museum.id).limit(1))).scalar_one()
    key = await counter_key(session, "gate", museum)
    reading = {"count": 5, "at": utcnow().isoformat()}
    elsewhere = await client.post(f"/counters/{other.slug}", headers={"X-Api-Key": key},
                                  json=reading)
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "FORBIDDEN"
    for query in (NAMES, 'mutation { submitFeedback(input: {code: "X", category: PRAISE, '
                         'text: "x"}) { trackingCode } }'):
        answer = await client.post("/graphql", json={"query": query},
                                   headers={"X-Api-Key": key})
        assert answer.status_code == 403, answer.text
        assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    _, read_key = await create_api_key(session=session, actor=None, name="kiosk")
    await session.commit()
    kiosk = await client.post(f"/counters/{museum.slug}", headers={"X-Api-Key": read_key},
                              json=reading)
    assert kiosk.status_code == 403
    anonymous = await client.post(f"/counters/{museum.slug}", json=reading)
    assert anonymous.status_code == 401
    assert (await graphql(client, NAMES, headers={"X-Api-Key": read_key}))["data"]
    assert await rows(session) == 0


async def test_a_refused_post_writes_nothing(client: httpx.AsyncClient,
                                             session: AsyncSession) -> None:
    museum = await site(session, "chua-ba-thien-hau")
    key = await counter_key(session, "gate", museum)
    now = utcnow()
    for body, code in (
            ({"count": -1, "at": now.isoformat()}, "INVALID_OCCUPANCY_COUNT"),
            ({"count": "12", "at": now.isoformat()}, "INVALID_OCCUPANCY_COUNT"),
            ({"count": 3, "at": now.replace(tzinfo=None).isoformat()}, "INVALID_OCCUPANCY_COUNT"),
            ({"count": 3, "at": (now + timedelta(hours=1)).isoformat()},
             "INVALID_OCCUPANCY_TIME"),
            ({"counts": [{"count": 3, "at": now.isoformat()},
                         {"count": 4, "at": (now - timedelta(days=9)).isoformat()}]},
             "INVALID_OCCUPANCY_TIME")):
        sent = await client.post(f"/counters/{museum.slug}", headers={"X-Api-Key": key},
                                 json=body)
        assert sent.status_code == 400 and sent.json()["code"] == code, (body, sent.text)
    assert await rows(session) == 0
    body = await graphql(client, CROWDING, {"id": to_global_id("Destination", museum.id)})
    assert body["data"]["destination"]["crowding"] is None
