"""nearbyDestinations: nearest first, complete, distances checked against GeographicLib."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.paging import PageRequest
from geo.geometry import GeoPoint
from geo.spatial import nearby_destinations
from tests.conftest import StatementCounter, graphql, query_plans
from tests.reference import demo_records, geodesic_m

NEARBY = """
query Nearby($near: GeoPointInput!, $r: Float!, $first: Int, $after: String,
             $filter: DestinationFilter) {
  nearbyDestinations(near: $near, radiusMeters: $r, first: $first, after: $after,
                     filter: $filter) {
    edges { distanceMeters cursor node { id slug location { lat lng } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Thủ Dầu Một market square, Bình Dương; Vinh city centre, Nghệ An.
CENTRES = [(10.9804, 106.6519, 15_000.0), (18.6796, 105.6813, 30_000.0)]


def expected_within(lat: float, lng: float, radius: float) -> list[tuple[float, str]]:
    found = [(geodesic_m(lat, lng, r["location"]["lat"], r["location"]["lng"]), r["slug"])
             for r in demo_records()]
    return sorted((d, s) for d, s in found if d <= radius)


async def all_pages(client: httpx.AsyncClient, variables: dict[str, Any]) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        body = await graphql(client, NEARBY, {**variables, "after": after})
        assert "errors" not in body, body
        page = body["data"]["nearbyDestinations"]
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("lat", "lng", "radius"), CENTRES)
async def test_nearby_is_complete_ordered_and_geodesic(
    client: httpx.AsyncClient, lat: float, lng: float, radius: float
) -> None:
    expected = expected_within(lat, lng, radius)
    assert len(expected) >= 5, "the demo data should have several places here"
    edges = await all_pages(client, {"near": {"lat": lat, "lng": lng}, "r": radius, "first": 3})
    assert [e["node"]["slug"] for e in edges] == [s for _, s in expected]
    distances = [e["distanceMeters"] for e in edges]
    assert distances == sorted(distances)
    for edge, (reference, _) in zip(edges, expected, strict=True):
        assert edge["distanceMeters"] == pytest.approx(reference, rel=0.005, abs=0.5)


async def test_far_point_finds_nothing(client: httpx.AsyncClient) -> None:
    body = await graphql(client, NEARBY, {"near": {"lat": 0.0, "lng": 0.0}, "r": 50_000.0})
    assert body["data"]["nearbyDestinations"]["edges"] == []
    assert body["data"]["nearbyDestinations"]["pageInfo"]["hasNextPage"] is False


async def test_filter_narrows_nearby(client: httpx.AsyncClient) -> None:
    lat, lng, radius = CENTRES[1]
    body = await graphql(client, NEARBY, {"near": {"lat": lat, "lng": lng}, "r": 60_000.0,
                                          "first": 100, "filter": {"categories": ["MUSEUM"]}})
    slugs = {e["node"]["slug"] for e in body["data"]["nearbyDestinations"]["edges"]}
    museums = {r["slug"] for r in demo_records() if r["category"] == "museum"
               and geodesic_m(lat, lng, r["location"]["lat"], r["location"]["lng"]) <= 60_000}
    assert slugs == museums and museums


async def test_nearby_service_matches_a_geodesic_brute_force_on_synthetic_points(
    session: AsyncSession,
) -> None:
    """Many points at once: the k nearest by the service are the k nearest by GeographicLib."""
    from geoalchemy2 import WKTElement

    from geo.models import Destination
    from geo.synthetic import synthetic_points

    points = list(synthetic_points(400, seed=3))
    for n, (lat, lng) in enumerate(points):
        session.add(Destination(slug=f"bf-{n}", status="published", category="park",
                                province_code="synthetic", name={"vi": f"bf {n}"},
                                description={}, address={}, prices=[], contact={},
                                accessibility={},
                                location=WKTElement(f"POINT({lng} {lat})", srid=4326)))
    await session.flush()
    centre = GeoPoint(lat=16.0, lng=107.5)
    radius = 200_000.0
    page = await nearby_destinations(session=session, near=centre, radius_m=radius, flt=None,
                                     page=PageRequest(first=25))
    reference = sorted(
        (geodesic_m(centre.lat, centre.lng, lat, lng), f"bf-{n}")
        for n, (lat, lng) in enumerate(points)
        if geodesic_m(centre.lat, centre.lng, lat, lng) <= radius
    )
    got = [(dist, d.slug) for d, dist in page.items if d.slug.startswith("bf-")]
    assert [s for _, s in got] == [s for _, s in reference[: len(got)]]
    assert len(got) == min(25, len(reference))
    for (mine, _), (ref, _) in zip(got, reference, strict=False):
        assert mine == pytest.approx(ref, rel=0.005)


BULK_POSTGIS = """
INSERT INTO destination (slug, status, category, province_code, name, description, address,
  prices, contact, accessibility, created_at, updated_at, location)
SELECT 'ix-' || g, 'published', 'park', 'synthetic', '{"vi": "x"}', '{}', '{}', '[]', '{}', '{}',
  now(), now(), ST_SetSRID(ST_MakePoint(102 + random() * 8, 9 + random() * 14), 4326)
FROM generate_series(1, 20000) AS g
"""
BULK_SPATIALITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
INSERT INTO destination (slug, status, category, province_code, name, description, address,
  prices, contact, accessibility, created_at, updated_at, location)
SELECT 'ix-' || n, 'published', 'park', 'synthetic', '{"vi": "x"}', '{}', '{}', '[]', '{}', '{}',
  '2026-01-01', '2026-01-01',
  MakePoint(102 + (abs(random()) % 8000000) / 1e6, 9 + (abs(random()) % 14000000) / 1e6, 4326)
FROM g
"""


async def test_nearby_uses_the_spatial_index(
    session: AsyncSession, connection: AsyncConnection, backend: str,
    count_statements: StatementCounter,
) -> None:
    """With 20k rows, the service's own statements go through GiST or the R*Tree."""
    from geo.demo import ensure_provinces
    from geo.synthetic import SYNTHETIC_PROVINCE

    await ensure_provinces(session=session)
    assert SYNTHETIC_PROVINCE == "synthetic"
    await connection.exec_driver_sql(BULK_POSTGIS if backend == "postgis" else BULK_SPATIALITE)
    await connection.exec_driver_sql("ANALYZE destination" if backend == "postgis"
                                     else "ANALYZE")
    count_statements.statements.clear()
    count_statements.parameters.clear()
    page = await nearby_destinations(session=session, near=GeoPoint(lat=18.67, lng=105.68),
                                     radius_m=20_000.0, flt=None, page=PageRequest(first=5))
    assert len(page.items) == 5
    plans = await query_plans(connection, backend, count_statements)
    index = "ix_destination_location_geog" if backend == "postgis" else "idx_destination_location"
    assert all(index in plan for plan in plans), "\n".join(plans)
    assert all("Seq Scan on destination" not in plan for plan in plans), "\n".join(plans)
    if backend == "postgis":  # both the KNN phase and the exact phase use it
        assert plans[0].count(index) == 2, plans[0]
