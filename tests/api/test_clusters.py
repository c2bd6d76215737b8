"""destinationClusters: map markers whose counts add up to the destinations in the box."""

import httpx
import pytest

from tests.conftest import graphql
from tests.reference import demo_records

CLUSTERS = """
query Clusters($bbox: BBoxInput!, $zoom: Int!) {
  destinationClusters(bbox: $bbox, zoom: $zoom) {
    id count center { lat lng } bbox { west south east north } destination { slug }
  }
}
"""
VIETNAM = {"west": 102.0, "south": 8.0, "east": 110.0, "north": 23.5}


def inside(box: dict[str, float]) -> set[str]:
    return {r["slug"] for r in demo_records()
            if box["west"] <= r["location"]["lng"] <= box["east"]
            and box["south"] <= r["location"]["lat"] <= box["north"]}


@pytest.mark.parametrize("zoom", [0, 5, 8, 11, 14, 18])
async def test_cluster_counts_add_up(client: httpx.AsyncClient, zoom: int) -> None:
    body = await graphql(client, CLUSTERS, {"bbox": VIETNAM, "zoom": zoom})
    clusters = body["data"]["destinationClusters"]
    assert sum(c["count"] for c in clusters) == len(inside(VIETNAM))
    assert len({c["id"] for c in clusters}) == len(clusters)
    for c in clusters:
        b = c["bbox"]
        assert b["west"] <= c["center"]["lng"] <= b["east"]
        assert b["south"] <= c["center"]["lat"] <= b["north"]
        assert (c["destination"] is not None) == (c["count"] == 1)


async def test_low_zoom_groups_provinces_high_zoom_splits(client: httpx.AsyncClient) -> None:
    low = (await graphql(client, CLUSTERS, {"bbox": VIETNAM, "zoom": 4}))["data"]
    high = (await graphql(client, CLUSTERS, {"bbox": VIETNAM, "zoom": 16}))["data"]
    assert len(low["destinationClusters"]) <= 6
    assert len(high["destinationClusters"]) >= len(inside(VIETNAM)) - 3


async def test_singleton_clusters_name_their_destination(client: httpx.AsyncClient) -> None:
    box = {"west": 106.0, "south": 21.0, "east": 106.2, "north": 21.2}
    body = await graphql(client, CLUSTERS, {"bbox": box, "zoom": 18})
    singles = {c["destination"]["slug"] for c in body["data"]["destinationClusters"]
               if c["count"] == 1}
    assert singles and singles <= inside(box)


FILTERED = """
query Clusters($bbox: BBoxInput!, $zoom: Int!, $filter: DestinationFilter) {
  destinationClusters(bbox: $bbox, zoom: $zoom, filter: $filter) { id count }
}
"""


async def _ids(client: httpx.AsyncClient, zoom: int, flt: dict[str, object] | None,
               bbox: dict[str, float] = VIETNAM) -> list[str]:
    body = await graphql(client, FILTERED, {"bbox": bbox, "zoom": zoom, "filter": flt})
    assert "errors" not in body, body
    return [c["id"] for c in body["data"]["destinationClusters"]]


async def test_cluster_ids_differ_per_filter_zoom_and_box(client: httpx.AsyncClient) -> None:
    # a client cache keys clusters by id: two answers that count differently never share one
    relics = {"categories": ["RELIC_SITE"]}
    every = set(await _ids(client, 6, None))
    assert every.isdisjoint(await _ids(client, 6, relics))
    assert every.isdisjoint(await _ids(client, 7, None))
    assert every.isdisjoint(await _ids(client, 6, {"hasAudio": False}))
    north = {"west": 102.0, "south": 16.0, "east": 110.0, "north": 23.5}
    assert every.isdisjoint(await _ids(client, 6, None, north))


async def test_cluster_ids_are_stable_for_the_same_question(client: httpx.AsyncClient) -> None:
    flt = {"categories": ["TEMPLE", "PAGODA"], "hasTour": False}
    first = await _ids(client, 9, flt)
    assert first and await _ids(client, 9, flt) == first
    # the order and repeats of a filter's lists do not make it another filter
    same = {"categories": ["PAGODA", "TEMPLE", "PAGODA"], "hasTour": False}
    assert await _ids(client, 9, same) == first
