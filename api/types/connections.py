"""Relay connections of destinations: plain, by distance, and map clusters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from api.context import Context
from api.types.common import BBox, GeoPoint, PageInfo
from api.types.destination import Destination
from core.paging import Page
from geo.models import Destination as DestinationModel
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
    """A map marker standing for `count` destinations of one grid cell."""

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


def cluster_of(cluster: Cluster, zoom: int, destination: Destination | None) -> DestinationCluster:
    """The GraphQL view of a grid cluster."""
    cell_id = f"{zoom}/{cluster.cell[0]}/{cluster.cell[1]}"
    return DestinationCluster(id=strawberry.ID(cell_id), count=cluster.count,
                              center=GeoPoint.of(cluster.center), bbox=BBox.of(cluster.bbox),
                              destination=destination)
