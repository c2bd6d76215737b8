"""Relay connections of destinations: plain, by distance, and map clusters."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

import strawberry

from api.context import Context
from api.types.common import BBox, GeoPoint, PageInfo
from api.types.destination import Destination
from core.paging import Page
from geo.geometry import BBox as BBoxValue
from geo.models import Destination as DestinationModel
from geo.service import DestinationFilter as FilterValue
from geo.spatial import Cluster

T = TypeVar("T")
Info = strawberry.Info[Context, None]


@strawberry.type
class DestinationEdge:
    """A destination in a list, with its cursor."""

    node: Destination
    cursor: str


@strawberry.type
class DestinationConnection:
    """A page of destinations."""

    edges: list[DestinationEdge]
    page_info: PageInfo

    @strawberry.field(description="The destinations of the page, without their edges.")
    def nodes(self) -> list[Destination]:
        return [edge.node for edge in self.edges]


@strawberry.type
class NearbyDestinationEdge:
    """A destination with its geodesic distance (WGS84) in metres."""

    node: Destination
    distance_meters: float
    cursor: str
    route_fraction: float | None = strawberry.field(
        default=None,
        description="Along a route only: where the destination's nearest point on the route "
        "lies, from 0 (start) to 1 (end).",
    )


@strawberry.type
class NearbyDestinationConnection:
    """A page of destinations with their distances."""

    edges: list[NearbyDestinationEdge]
    page_info: PageInfo


@strawberry.type
class DestinationCluster:
    """A map marker standing for `count` destinations of one grid cell. Its id names the cell
    at its zoom for one filter and box (`zoom/x/y/scope`): the same in every request with
    them, different for another filter or box, since the count then differs."""

    id: strawberry.ID
    count: int
    center: GeoPoint
    bbox: BBox
    destination: Destination | None = strawberry.field(
        description="The destination itself when the cluster holds only one."
    )


def page_info(cursors: list[str], has_next: bool, has_previous: bool) -> PageInfo:
    """The PageInfo of a page whose edges have these cursors."""
    return PageInfo(has_next_page=has_next, has_previous_page=has_previous,
                    start_cursor=cursors[0] if cursors else None,
                    end_cursor=cursors[-1] if cursors else None)


def destination_connection(
    page: Page[T], *, info: Info, kind: str, chain: tuple[str, ...], had_after: bool,
    model_of: Callable[[T], DestinationModel],
) -> DestinationConnection:
    """A DestinationConnection from a page of items holding destinations."""
    cursors = [info.context.cursors.encode(kind, key) for key in page.keys]
    edges = [DestinationEdge(node=Destination.from_model(model_of(item), chain), cursor=c)
             for item, c in zip(page.items, cursors, strict=True)]
    return DestinationConnection(edges=edges, page_info=page_info(cursors, page.has_next,
                                                                  had_after))


def nearby_connection(
    page: Page[Any], *, info: Info, kind: str, chain: tuple[str, ...], had_after: bool,
) -> NearbyDestinationConnection:
    """A NearbyDestinationConnection from (destination, metres[, fraction]) items."""
    cursors = [info.context.cursors.encode(kind, key) for key in page.keys]
    edges = [
        NearbyDestinationEdge(node=Destination.from_model(item[0], chain),
                              distance_meters=item[1], cursor=c,
                              route_fraction=item[2] if len(item) > 2 else None)
        for item, c in zip(page.items, cursors, strict=True)
    ]
    return NearbyDestinationConnection(edges=edges,
                                       page_info=page_info(cursors, page.has_next, had_after))


def cluster_scope(flt: FilterValue, bbox: BBoxValue) -> str:
    """A short stable hash of what a cluster's count depends on beside its cell: the filter
    (the order and repeats of its lists aside; not the request's time) and the box the cells
    are cut to (it sets their height too)."""
    criteria: dict[str, Any] = {}
    for f in fields(flt):
        value = getattr(flt, f.name)
        if f.name != "now":
            criteria[f.name] = sorted(set(value)) if isinstance(value, tuple) else value
    box = [bbox.west, bbox.south, bbox.east, bbox.north]
    canonical = json.dumps([criteria, box], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def cluster_of(cluster: Cluster, zoom: int, scope: str,
               destination: Destination | None) -> DestinationCluster:
    """The GraphQL view of a grid cluster of a scope (`cluster_scope`)."""
    cell_id = f"{zoom}/{cluster.cell[0]}/{cluster.cell[1]}/{scope}"
    return DestinationCluster(id=strawberry.ID(cell_id), count=cluster.count,
                              center=GeoPoint.of(cluster.center), bbox=BBox.of(cluster.bbox),
                              destination=destination)
