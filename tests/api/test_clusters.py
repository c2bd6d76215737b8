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
