"""Repeated hot reads answered by their compiled document (api/compiled.py): the same bytes as
the ordinary way, which still answers the first time, every refusal and every document whose
plan a variable could change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.app import create_app
from api.cost import COSTLY_SHARE, query_cost
from api.schema import build_schema
from api.settings import Settings
from core.row_reads import RowReads

AREA = """query Area($bbox: BBoxInput, $first: Int) { destinationsInArea(bbox: $bbox,
  first: $first) { edges { cursor node { id name location { lat lng } } }
  pageInfo { hasNextPage endCursor } } }"""
NEARBY = """query Near($near: GeoPointInput!) { near: nearbyDestinations(near: $near,
  radiusMeters: 150000, first: 5) { edges { distanceMeters node { id slug nameLang } } } }"""
VIETNAM = {"west": 102.0, "south": 8.0, "east": 110.0, "north": 24.0}


@pytest.fixture
async def apps(settings: Settings, sessions: async_sessionmaker[AsyncSession],
               connection: AsyncConnection, row_reads: RowReads | None,
               ) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Any]]:
    """A client of the app with the fast path (on PostGIS reading its rows as a server does,
    through core.row_reads), one of the app without it, and the first app's compiled
    documents."""
    made = [create_app(settings.model_copy(update={"server": settings.server.model_copy(
        update={"graphql_fast_path": fast})}), engine=connection.engine, sessions=sessions,
        row_reads=row_reads if fast else None) for fast in (True, False)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=made[0]),
                                 base_url="http://testserver") as fast, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=made[1]),
                              base_url="http://testserver") as plain:
        yield fast, plain, made[0].state.graphql.compiled


def _answer(response: httpx.Response) -> tuple[int, str | None, str | None, str | None, bytes]:
    return (response.status_code, response.headers.get("content-type"),
            response.headers.get("cache-control"), response.headers.get("vary"),
            response.content)


async def test_the_second_request_is_answered_compiled_with_the_same_bytes(apps: Any) -> None:
    fast, plain, compiled = apps
    body = {"query": AREA, "variables": {"bbox": VIETNAM, "first": 7}}
    # when the same hot read is sent twice, then with other variables
    first = await fast.post("/graphql", json=body)
    assert compiled.answered == 0  # the first answer is the ordinary way's
    second = await fast.post("/graphql", json=body)
    other = {"query": AREA, "variables": {"bbox": {**VIETNAM, "south": 20.0}, "first": 3}}
    third = await fast.post("/graphql", json=other)
    # then the later ones come from the compiled document, as graphql-core answers them
    assert compiled.answered == 2
    assert _answer(first) == _answer(second) == _answer(await plain.post("/graphql", json=body))
    assert _answer(third) == _answer(await plain.post("/graphql", json=other))
    assert len(second.json()["data"]["destinationsInArea"]["edges"]) == 7


@pytest.mark.parametrize("variables", [
    {"bbox": {**VIETNAM, "west": 111.0}, "first": 5},  # the resolver refuses the box
    {"bbox": VIETNAM, "first": -1},  # and the page size
    {"bbox": VIETNAM, "first": "many"},  # a variable that does not coerce
    {"bbox": VIETNAM, "first": 5, "after": "forged"},  # an unknown variable: ignored
])
async def test_refusals_of_a_compiled_document_are_the_ordinary_ones(
    apps: Any, variables: dict[str, Any],
) -> None:
    fast, plain, compiled = apps
    await fast.post("/graphql", json={"query": AREA, "variables": {"bbox": VIETNAM}})
    await fast.post("/graphql", json={"query": AREA, "variables": {"bbox": VIETNAM}})
    assert compiled.answered == 1
    # when a request of the compiled document is one graphql-core or the resolver refuses
    body = {"query": AREA, "variables": variables}
    ours, theirs = await fast.post("/graphql", json=body), await plain.post("/graphql",
                                                                            json=body)
    # then it is answered as the ordinary way answers it
    assert _answer(ours) == _answer(theirs)
    refused = "errors" in theirs.json()
    assert compiled.answered == (1 if refused else 2)


@pytest.mark.parametrize("query", [
    NEARBY.replace("nameLang", 'nameLang(lang: "ko")'),  # a field's own argument
    NEARBY.replace("slug", "slug @include(if: true)"),  # a directive
    NEARBY.replace("{ near:", "{ __typename near:"),  # a second root field
    NEARBY.replace("nameLang", "province { code }"),  # outside the plan
])
async def test_documents_a_variable_could_change_are_never_compiled(apps: Any,
                                                                    query: str) -> None:
    fast, plain, compiled = apps
    body = {"query": query, "variables": {"near": {"lat": 11.0, "lng": 106.65}}}
    answers = [await fast.post("/graphql", json=body) for _ in range(3)]
    assert compiled.answered == 0
    theirs = _answer(await plain.post("/graphql", json=body))
    assert all(_answer(a) == theirs for a in answers)
    assert "errors" not in answers[0].json()


async def test_an_aliased_nearby_read_and_a_get_are_answered_alike(apps: Any) -> None:
    fast, plain, compiled = apps
    body = {"query": NEARBY, "variables": {"near": {"lat": 11.0, "lng": 106.65}}}
    for _ in range(2):
        ours = await fast.post("/graphql", json=body, headers={
            "Accept": "application/graphql-response+json", "Accept-Language": "ko"})
    theirs = await plain.post("/graphql", json=body, headers={
        "Accept": "application/graphql-response+json", "Accept-Language": "ko"})
    assert compiled.answered == 1 and _answer(ours) == _answer(theirs)
    assert ours.json()["data"]["near"]["edges"]
    # a GET of the same document is never answered compiled (its answer may be public)
    params = {"query": NEARBY, "variables": '{"near": {"lat": 11.0, "lng": 106.65}}'}
    got = await fast.get("/graphql", params=params)
    assert compiled.answered == 1
    assert _answer(got) == _answer(await plain.get("/graphql", params=params))


async def test_a_costly_document_keeps_taking_a_costly_slot_the_ordinary_way(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], connection: AsyncConnection,
) -> None:
    # given a budget under which a literal page of 40 is costly (over the cheap share)
    query = AREA.replace("$first: Int", "").replace("first: $first", "first: 40")
    cost = query_cost(parse(query), schema=build_schema(production=False)._schema)
    budget = cost * COSTLY_SHARE - 1
    app = create_app(settings.model_copy(update={"limits": settings.limits.model_copy(
        update={"max_query_cost": budget})}), engine=connection.engine, sessions=sessions)
    body = {"query": query, "variables": {"bbox": VIETNAM}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        # when it is sent again and again
        answers = [await client.post("/graphql", json=body) for _ in range(3)]
    # then every answer is the ordinary way's (it runs in a COSTLY slot), and whole
    assert app.state.graphql.compiled.answered == 0
    assert all(len(a.json()["data"]["destinationsInArea"]["edges"]) == 40 for a in answers)
