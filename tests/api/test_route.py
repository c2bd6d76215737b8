"""destinationsAlongRoute: within the buffer (checked geodesically), in order along the route."""

import httpx
import pytest

from tests.conftest import graphql
from tests.reference import demo_records, distance_to_polyline_m

ROUTE_QUERY = """
query Route($route: GeoJSON!, $buffer: Float!, $after: String) {
  destinationsAlongRoute(route: $route, bufferMeters: $buffer, first: 4, after: $after) {
    edges { distanceMeters routeFraction node { slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# A day out from Vinh: west to Nam Đàn (Kim Liên), then north-west towards Đô Lương.
ROUTE = [(105.6813, 18.6796), (105.6000, 18.6900), (105.5400, 18.6800), (105.4500, 18.8000),
         (105.3300, 18.9000)]
BUFFER = 5_000.0


async def test_along_route_matches_a_geodesic_reference(client: httpx.AsyncClient) -> None:
    edges = []
    after = None
    while True:
        body = await graphql(client, ROUTE_QUERY, {
            "route": {"type": "LineString", "coordinates": [list(p) for p in ROUTE]},
            "buffer": BUFFER, "after": after})
        assert "errors" not in body, body
        page = body["data"]["destinationsAlongRoute"]
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    reference = {r["slug"]: distance_to_polyline_m(r["location"]["lat"], r["location"]["lng"],
                                                   ROUTE) for r in demo_records()}
    # Points within 30 m of the buffer's edge could go either way with a 20 m sampling step.
    expected = {s for s, d in reference.items() if d <= BUFFER - 30}
    borderline = {s for s, d in reference.items() if abs(d - BUFFER) < 30}
    got = [e["node"]["slug"] for e in edges]
    assert expected and expected <= set(got) <= expected | borderline
    fractions = [e["routeFraction"] for e in edges]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1
    for edge in edges:
        assert edge["distanceMeters"] == pytest.approx(reference[edge["node"]["slug"]],
                                                       rel=0.005, abs=25)
