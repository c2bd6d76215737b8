"""The fast path (api/fastpath.py) answers exactly what graphql-core alone answers: generated
operations over destinationsInArea and nearbyDestinations (fields, aliases, fragments,
directives, nested `lang`, cursors good and forged, boxes, points, radii and filters valid and
not, request languages) sent to an app with the fast path and to one without it, on the same
database, must get the same status, media type and bytes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.app import create_app
from api.cursors import Cursors
from api.settings import Settings
from core.row_reads import RowReads
from geo.models import Destination
from tests.conftest import TEST_SECRET

#: Examples per backend (derandomized: the same operations every run).
EXAMPLES = int(os.environ.get("TOURISM_DIFFERENTIAL_EXAMPLES", "500"))

#: Mostly what clients send, and now and then what is refused.
LANGS = [None, None, None, "vi", "en", "ko", "zh-Hant", "ja", "fr", "de", "en-GB", "!!", ""]
HEADER_LANGS = [None, "ko-KR,ko;q=0.9,en;q=0.5", "fr", "zh-TW", "*", "en;q=0", ";;;", "vi"]
NODE_FIELDS = [
    "id", "slug", "name", "nameLang", "category", "status", "heritageRanking", "district",
    "availableLanguages", "__typename", "location { lat lng }", "location { __typename lat }",
    'name(lang: "en")', 'nameLang(lang: "ko")', 'name(lang: "!!")', 'nameLang(lang: "de")',
    "description { text lang }", 'address(lang: "fr") { text }', "address { lang }",
    "description { __typename text }", 'description(lang: "zz-9") { text }',
    "a: name", 'b: name(lang: "ja")', "... on Destination { slug id }",
    "... Bits", "slug @skip(if: true)", "district @include(if: false)",
    # outside the plan: the ordinary way answers the whole connection
    "province { code }", "openNow",
]
PAGE_INFO = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
CATEGORIES = ["MUSEUM", "RELIC_SITE", "PAGODA", "TEMPLE", "PARK", "HOTEL"]
#: Where the demo destinations are (Bình Dương, Nghệ An, Bắc Ninh, Hà Nội...), and beyond.
CENTRES = [(11.0, 106.65), (18.7, 105.7), (21.18, 106.07), (21.03, 105.85), (16.0, 108.2),
           (10.78, 106.7), (0.0, 0.0)]


def _subset(items: list[str], *, least: int = 1) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), min_size=least, max_size=6, unique=True)


@st.composite
def node_selection(draw: st.DrawFn) -> str:
    return " ".join(draw(_subset(NODE_FIELDS)))


@st.composite
def connection_selection(draw: st.DrawFn, nearby: bool) -> str:
    edge_fields = ["cursor", "__typename", f"node {{ {draw(node_selection())} }}"]
    if nearby:
        edge_fields += ["distanceMeters", "routeFraction", "d: distanceMeters"]
    parts = [f"edges {{ {' '.join(draw(_subset(edge_fields)))} }}",
             f"pageInfo {{ {' '.join(draw(_subset(PAGE_INFO)))} }}", "__typename",
             f"other: edges {{ {' '.join(draw(_subset(edge_fields)))} }}"]
    if not nearby:
        parts.append(f"nodes {{ {draw(node_selection())} }}")
    return " ".join(draw(_subset(parts)))


@st.composite
def cursor(draw: st.DrawFn, secret: str) -> str | None:
    cursors = Cursors(secret)
    kind = draw(st.sampled_from(["area", "nearby", "nearby", "area", "list"]))
    key = (draw(st.floats(0, 60_000, allow_nan=False)), draw(st.integers(0, 60)))
    if draw(st.integers(0, 9)) < 6:
        return None
    return draw(st.sampled_from([
        cursors.encode(kind, key), cursors.encode(kind, key), cursors.encode(kind, key[:1]),
        "forged", "", Cursors("another secret").encode(kind, key),
        cursors.encode(kind, key) + "A"]))


@st.composite
def destination_filter(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 3)) > 0:
        return None
    found: dict[str, Any] = {}
    if draw(st.booleans()):
        found["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3))
    for flag in ("openNow", "hasTour", "hasAudio"):
        if draw(st.integers(0, 3)) == 0:
            found[flag] = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        found["provinces"] = draw(st.lists(st.sampled_from(["binh-duong", "nghe-an", "xx"]),
                                           max_size=2))
    return found


@st.composite
def operation(draw: st.DrawFn, secret: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A request body and its headers."""
    nearby = draw(st.booleans())
    lat, lng = draw(st.sampled_from(CENTRES))
    variables: dict[str, Any] = {
        "first": draw(st.sampled_from([None, None, 0, 1, 3, 20, 20, 100, 100, 101, -1])),
        "after": draw(cursor(secret)), "lang": draw(st.sampled_from(LANGS)),
        "filter": draw(destination_filter())}
    selection = draw(connection_selection(nearby))
    if nearby:
        variables["near"] = {"lat": lat + draw(st.floats(-1, 1)),
                             "lng": lng + draw(st.sampled_from([0.0, 0.3, 0.0, 200.0]))}
        variables["radius"] = draw(st.sampled_from([1.0, 5_000.0, 50_000.0, 300_000.0,
                                                    300_000.0, -5.0, 1e9]))
        head = ("query Q($near: GeoPointInput!, $radius: Float!, $first: Int, $after: String, "
                "$lang: String, $filter: DestinationFilter)")
        call = ("nearbyDestinations(near: $near, radiusMeters: $radius, first: $first, "
                "after: $after, lang: $lang, filter: $filter)")
    else:
        half = draw(st.sampled_from([0.05, 0.5, 2.0, 8.0]))
        west, east = lng - half, lng + half
        if draw(st.integers(0, 9)) == 0:
            west, east = east, west  # refused: west beyond east
        variables["bbox"] = {"west": west, "south": lat - half, "east": east,
                             "north": lat + half * draw(st.sampled_from([1.0, 1.0, 200.0]))}
        head = ("query Q($bbox: BBoxInput, $first: Int, $after: String, $lang: String, "
                "$filter: DestinationFilter)")
        call = ("destinationsInArea(bbox: $bbox, first: $first, after: $after, lang: $lang, "
                "filter: $filter)")
    alias = draw(st.sampled_from(["", "page: ", "x: "]))
    document = f"{head} {{ {alias}{call} {{ {selection} }} }}"
    if "... Bits" in document:
        document += " fragment Bits on Destination { nameLang location { lng } }"
    headers = {"Accept": draw(st.sampled_from(["application/json",
                                               "application/graphql-response+json"]))}
    for header in ("Accept-Language", "X-Tourism-Language"):
        value = draw(st.sampled_from(HEADER_LANGS))
        if value is not None:
            headers[header] = value
    return {"query": document, "variables": variables}, headers


@pytest.fixture
async def both(settings: Settings, sessions: async_sessionmaker[AsyncSession],
               connection: AsyncConnection, request: pytest.FixtureRequest,
               row_reads: RowReads | None,
               ) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of the app with the fast path (on PostGIS reading its rows as a server does,
    through core.row_reads), and one of the app without it; after the generated operations,
    the fast app must have answered some by compiled documents."""
    unlimited = settings.limits.model_copy(update={"client_burst": 10**9,
                                                  "client_per_minute": 10**9})
    apps = [create_app(settings.model_copy(update={
        "limits": unlimited,
        "server": settings.server.model_copy(update={"graphql_fast_path": fast})}),
        engine=connection.engine, sessions=sessions, row_reads=row_reads if fast else None)
        for fast in (True, False)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]),
                                 base_url="http://testserver") as fast, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]),
                              base_url="http://testserver") as plain:
        yield fast, plain
    if request.node.name.startswith("test_the_fast_path_answers_what"):
        assert apps[0].state.graphql.compiled.answered > EXAMPLES // 20  # api/compiled.py
        # on PostGIS through the reader of rows, whose compiled statements were run again
        # (filters make many shapes: tests/core/test_row_reads.py counts one shape's compiles)
        assert row_reads is None or 0 < row_reads.compiles < row_reads.reads


def _answer(response: httpx.Response) -> tuple[int, str | None, str | None, bytes]:
    return (response.status_code, response.headers.get("content-type"),
            response.headers.get("cache-control"), response.content)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=operation(TEST_SECRET))
async def test_the_fast_path_answers_what_graphql_core_answers(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    case: tuple[dict[str, Any], dict[str, str]],
) -> None:
    # given an operation over a hot connection, its variables and request languages
    body, headers = case
    fast, plain = both
    # when both apps answer it, the fast one twice (the second time by its compiled document,
    # when the first answer taught it one: api/compiled.py)
    ours = [await fast.post("/graphql", content=orjson.dumps(body),
                            headers={**headers, "Content-Type": "application/json"})
            for _ in range(2)]
    theirs = await plain.post("/graphql", content=orjson.dumps(body),
                              headers={**headers, "Content-Type": "application/json"})
    # then the answers are the same, byte for byte, errors included
    assert _answer(ours[0]) == _answer(theirs), body
    assert _answer(ours[1]) == _answer(theirs), body


AREA = """query { destinationsInArea(bbox: {west: 102, south: 8, east: 110, north: 24},
  first: 50) { edges { cursor node { id name nameLang location { lat lng } } } } }"""


async def test_the_fast_path_builds_no_orm_object_and_the_other_way_does(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    # given destinations counted as the ORM builds them
    built: list[object] = []

    def count(target: object, _context: object) -> None:
        built.append(target)

    event.listen(Destination, "load", count)
    try:
        fast, plain = both
        # when each app answers a page of them
        ours = (await fast.post("/graphql", json={"query": AREA})).json()
        from_fast = len(built)
        theirs = (await plain.post("/graphql", json={"query": AREA})).json()
    finally:
        event.remove(Destination, "load", count)
    # then the same page came without ORM objects on the fast path
    assert ours == theirs and len(ours["data"]["destinationsInArea"]["edges"]) > 5, ours
    assert from_fast == 0
    assert len(built) > len(theirs["data"]["destinationsInArea"]["edges"])  # and the next one
