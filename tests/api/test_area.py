"""destinationsInArea by bbox and by GeoJSON (Multi)Polygon, checked with shapely on the data."""

from typing import Any

import httpx
from shapely.geometry import Point, shape
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import graphql
from tests.reference import demo_records

AREA = """
query Area($bbox: BBoxInput, $polygon: GeoJSON, $after: String, $first: Int) {
  destinationsInArea(bbox: $bbox, polygon: $polygon, first: $first, after: $after) {
    edges { cursor node { slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
BAC_NINH_BOX = {"west": 105.9, "south": 20.97, "east": 106.3, "north": 21.27}


async def collect(client: httpx.AsyncClient, variables: dict[str, Any]) -> list[str]:
    slugs: list[str] = []
    after = None
    while True:
        body = await graphql(client, AREA, {**variables, "after": after, "first": 7})
        assert "errors" not in body, body
        page = body["data"]["destinationsInArea"]
        slugs += [e["node"]["slug"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return slugs
        after = page["pageInfo"]["endCursor"]


async def test_bbox_finds_exactly_the_points_inside(client: httpx.AsyncClient) -> None:
    got = await collect(client, {"bbox": BAC_NINH_BOX})
    b = BAC_NINH_BOX
    expected = {r["slug"] for r in demo_records()
                if b["west"] <= r["location"]["lng"] <= b["east"]
                and b["south"] <= r["location"]["lat"] <= b["north"]}
    assert len(got) == len(set(got)), "pages must not repeat"
    assert set(got) == expected and len(expected) >= 20


async def test_polygon_and_multipolygon(client: httpx.AsyncClient) -> None:
    # A triangle over Thủ Dầu Một and a square over Vinh, as one MultiPolygon.
    triangle = [[106.60, 10.93], [106.72, 10.93], [106.66, 11.03], [106.60, 10.93]]
    square = [[105.62, 18.62], [105.74, 18.62], [105.74, 18.74], [105.62, 18.74], [105.62, 18.62]]
    multi = {"type": "MultiPolygon", "coordinates": [[triangle], [square]]}
    got = await collect(client, {"polygon": multi})
    geometry = shape(multi)
    expected = {r["slug"] for r in demo_records()
                if geometry.intersects(Point(r["location"]["lng"], r["location"]["lat"]))}
    assert set(got) == expected and expected
    only_triangle = await collect(client, {"polygon": {"type": "Polygon",
                                                       "coordinates": [triangle]}})
    assert set(only_triangle) < set(got)


async def test_bbox_and_polygon_together_intersect(client: httpx.AsyncClient) -> None:
    square = [[105.62, 18.62], [105.74, 18.62], [105.74, 18.74], [105.62, 18.74], [105.62, 18.62]]
    half = {"west": 105.62, "south": 18.62, "east": 105.68, "north": 18.74}
    got = await collect(client, {"polygon": {"type": "Polygon", "coordinates": [square]},
                                 "bbox": half})
    expected = {r["slug"] for r in demo_records()
                if 105.62 <= r["location"]["lng"] <= 105.68
                and 18.62 <= r["location"]["lat"] <= 18.74}
    assert set(got) == expected


async def test_area_pages_come_nearest_to_the_centre_first(client: httpx.AsyncClient) -> None:
    import math

    got = await collect(client, {"bbox": BAC_NINH_BOX})
    b = BAC_NINH_BOX
    cx, cy = (b["west"] + b["east"]) / 2, (b["south"] + b["north"]) / 2
    where = {r["slug"]: (r["location"]["lng"], r["location"]["lat"]) for r in demo_records()}
    offsets = [math.hypot(where[s][0] - cx, where[s][1] - cy) for s in got]
    assert offsets == sorted(offsets)


async def test_area_pages_stay_complete_when_many_places_share_a_point(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    """Ties in the order (one building, many listings) straddle page cuts without loss."""
    from geoalchemy2 import WKTElement

    from geo.models import Destination

    for n in range(30):
        session.add(Destination(slug=f"tie-{n}", status="published", category="shop",
                                province_code="bac-ninh", name={"vi": f"Cửa hàng {n}"},
                                description={}, address={}, prices=[], contact={},
                                accessibility={},
                                location=WKTElement("POINT(106.2 21.1)", srid=4326)))
    await session.commit()
    box = {"west": 106.15, "south": 21.05, "east": 106.25, "north": 21.15}
    slugs: list[str] = []
    after = None
    while True:
        body = await graphql(client, AREA, {"bbox": box, "first": 4, "after": after})
        page = body["data"]["destinationsInArea"]
        slugs += [e["node"]["slug"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    ties = [s for s in slugs if s.startswith("tie-")]
    assert len(slugs) == len(set(slugs))
    assert sorted(ties) == sorted(f"tie-{n}" for n in range(30))
