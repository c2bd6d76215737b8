"""Bad input gets a clear error with a stable code, is never a 500, and writes nothing."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

NEARBY = """query($near: GeoPointInput!, $r: Float!, $first: Int, $after: String) {
  nearbyDestinations(near: $near, radiusMeters: $r, first: $first, after: $after) {
    edges { node { id } } } }"""
AREA = """query($bbox: BBoxInput, $polygon: GeoJSON) {
  destinationsInArea(bbox: $bbox, polygon: $polygon) { edges { node { id } } } }"""
ROUTE = """query($route: GeoJSON!, $b: Float!) {
  destinationsAlongRoute(route: $route, bufferMeters: $b) { edges { node { id } } } }"""
SEARCH = """query($text: String!) { searchDestinations(text: $text) { edges { node { id } } } }"""
LIST = """query($first: Int, $after: String) {
  destinations(first: $first, after: $after) { edges { node { id } } } }"""
ONE = """query($id: ID!) { destination(id: $id) { id } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
CLUSTERS = """query($bbox: BBoxInput!, $zoom: Int!) {
  destinationClusters(bbox: $bbox, zoom: $zoom) { count } }"""

HANOI = {"lat": 21.03, "lng": 105.85}
SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
BOWTIE = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
LONG_ROUTE = [[105 + i * 0.0004, 18 + (i % 2) * 0.0004] for i in range(2_500)]

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("latitude above 90", NEARBY, {"near": {"lat": 91, "lng": 105}, "r": 1000},
     "INVALID_COORDINATES"),
    ("latitude below -90", NEARBY, {"near": {"lat": -90.5, "lng": 105}, "r": 1000},
     "INVALID_COORDINATES"),
    ("longitude above 180", NEARBY, {"near": {"lat": 21, "lng": 180.01}, "r": 1000},
     "INVALID_COORDINATES"),
    ("radius zero", NEARBY, {"near": HANOI, "r": 0}, "INVALID_RADIUS"),
    ("radius negative", NEARBY, {"near": HANOI, "r": -5}, "INVALID_RADIUS"),
    ("radius above the cap", NEARBY, {"near": HANOI, "r": 200_001}, "INVALID_RADIUS"),
    ("first above the cap", NEARBY, {"near": HANOI, "r": 1000, "first": 101},
     "PAGE_SIZE_EXCEEDED"),
    ("first negative", LIST, {"first": -1}, "PAGE_SIZE_EXCEEDED"),
    ("forged cursor", LIST, {"after": "AAAAAAAAAAAAAAAAeyJrIjoxfQ"}, "INVALID_CURSOR"),
    ("garbage cursor", NEARBY, {"near": HANOI, "r": 1000, "after": "%%%"}, "INVALID_CURSOR"),
    ("GeoJSON not an object", AREA, {"polygon": "POLYGON((0 0,1 0,1 1,0 0))"},
     "INVALID_GEOJSON"),
    ("GeoJSON without coordinates", AREA, {"polygon": {"type": "Polygon"}}, "INVALID_GEOJSON"),
    ("GeoJSON of the wrong type", AREA, {"polygon": {"type": "Point", "coordinates": [1, 2]}},
     "INVALID_GEOJSON"),
    ("GeoJSON ring too short", AREA, {"polygon": {"type": "Polygon",
                                                  "coordinates": [[[0, 0], [1, 1]]]}},
     "INVALID_GEOJSON"),
    ("GeoJSON coordinates out of range", AREA,
     {"polygon": {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}},
     "INVALID_COORDINATES"),
    ("self-intersecting polygon", AREA, {"polygon": {"type": "Polygon",
                                                     "coordinates": [BOWTIE]}},
     "INVALID_GEOMETRY"),
    ("bbox inverted", AREA, {"bbox": {"west": 106, "south": 20, "east": 105, "north": 21}},
     "INVALID_BBOX"),
    ("neither bbox nor polygon", AREA, {}, "INVALID_BBOX"),
    ("route too many vertices", ROUTE, {"route": {"type": "LineString",
                                                  "coordinates": LONG_ROUTE}, "b": 100},
     "ROUTE_TOO_COMPLEX"),
    ("route not a line", ROUTE, {"route": {"type": "Polygon", "coordinates": [SQUARE]},
                                 "b": 100}, "INVALID_GEOJSON"),
    ("route of one repeated point", ROUTE,
     {"route": {"type": "LineString", "coordinates": [[105, 18], [105, 18]]}, "b": 100},
     "INVALID_GEOMETRY"),
    ("route buffer zero", ROUTE, {"route": {"type": "LineString",
                                            "coordinates": [[105, 18], [106, 18]]}, "b": 0},
     "INVALID_BUFFER"),
    ("empty search", SEARCH, {"text": "   "}, "INVALID_SEARCH_TEXT"),
    ("punctuation-only search", SEARCH, {"text": "?!…"}, "INVALID_SEARCH_TEXT"),
    ("over-long search", SEARCH, {"text": "chùa " * 60}, "INVALID_SEARCH_TEXT"),
    ("malformed id", ONE, {"id": "not-an-id!"}, "INVALID_ID"),
    ("id of another type", ONE, {"id": "VG91cjox"}, "INVALID_ID"),
    ("node id of unknown type", NODE, {"id": "VW5rbm93bjox"}, "INVALID_ID"),
    ("zoom out of range", CLUSTERS, {"bbox": {"west": 105, "south": 18, "east": 106,
                                              "north": 19}, "zoom": 40}, "INVALID_ZOOM"),
    ("string for a float", NEARBY, {"near": {"lat": "north", "lng": 105}, "r": 1000},
     "BAD_USER_INPUT"),
    ("missing required variable", NEARBY, {"r": 1000}, "BAD_USER_INPUT"),
]

TABLES = ("destination", "opening_period", "search_term", "province")


async def snapshot(connection: AsyncConnection) -> dict[str, int]:
    return {t: (await connection.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()
            for t in TABLES}


async def post(client: httpx.AsyncClient, body: str) -> httpx.Response:
    return await client.post("/graphql", content=body,
                             headers={"content-type": "application/json"})


@pytest.mark.parametrize(("name", "query", "variables", "code"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_gets_a_stable_code_and_writes_nothing(
    client: httpx.AsyncClient, connection: AsyncConnection,
    name: str, query: str, variables: dict[str, Any], code: str,
) -> None:
    before = await snapshot(connection)
    response = await post(client, json.dumps({"query": query, "variables": variables}))
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None or all(v is None for v in body["data"].values())
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    assert "Traceback" not in response.text
    assert await snapshot(connection) == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_non_finite_numbers_are_refused(
    client: httpx.AsyncClient, connection: AsyncConnection, literal: str
) -> None:
    before = await snapshot(connection)
    body = ('{"query": ' + json.dumps(NEARBY) + ', "variables": {"near": {"lat": ' + literal
            + ', "lng": 105}, "r": 1000}}')
    response = await post(client, body)
    assert response.status_code < 500
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] in {"BAD_USER_INPUT", "INVALID_COORDINATES"}
    assert await snapshot(connection) == before


async def test_non_finite_radius_is_refused(client: httpx.AsyncClient) -> None:
    body = ('{"query": ' + json.dumps(NEARBY)
            + ', "variables": {"near": {"lat": 21, "lng": 105}, "r": NaN}}')
    response = await post(client, body)
    assert response.json()["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT",
                                                                   "INVALID_RADIUS"}


async def test_syntax_error_has_a_code(client: httpx.AsyncClient) -> None:
    response = await post(client, json.dumps({"query": "query { destinations( }"}))
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_unknown_field_has_a_code(client: httpx.AsyncClient) -> None:
    response = await post(client, json.dumps({"query": "{ nope }"}))
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
