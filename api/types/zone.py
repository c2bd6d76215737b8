"""GraphQL types of stops' trigger zones and of the stops whose zone holds a position."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from api.context import Context
from api.types.common import GeoJSON, GeoPoint, GeoPointInput, PageInfo
from api.types.connections import page_info
from api.types.stop import Stop
from core.paging import Page
from geo.geometry import GeoPoint as GeoPointValue
from tours.models import Stop as StopModel
from tours.zones import Zone, ZoneInput, ZoneKind

Info = strawberry.Info[Context, None]

strawberry.enum(ZoneKind, name="StopZoneKind",
                description="A geodesic circle (center, radiusMeters) or a polygon.")


@strawberry.type(description="Where a visitor has to be for a stop's story to play.")
class StopZone:
    kind: ZoneKind
    center: GeoPoint = strawberry.field(
        description="A circle's centre; for a polygon its centroid when inside it, else a "
        "point inside it. Overlapping zones are ordered by the distance to it.")
    radius_meters: float | None = strawberry.field(
        description="A circle's radius in metres on the WGS84 ellipsoid.")
    polygon: GeoJSON | None = strawberry.field(
        description="A polygon zone: an RFC 7946 Polygon, [lng, lat], exterior "
        "counterclockwise, holes allowed; its boundary belongs to the zone.")

    @classmethod
    def of(cls, zone: Zone | None) -> StopZone | None:
        """The GraphQL view of a zone."""
        if zone is None:
            return None
        return cls(kind=zone.kind, center=GeoPoint.of(zone.center), radius_meters=zone.radius_m,
                   polygon=cast(GeoJSON, zone.geojson()))


@strawberry.input(description="A trigger zone: either center and radiusMeters (5 to 5000 m), "
                  "or a GeoJSON Polygon of at most 500 positions.")
class StopZoneInput:
    center: GeoPointInput | None = None
    radius_meters: float | None = None
    polygon: GeoJSON | None = None

    def value(self) -> ZoneInput:
        """The zone as the zones service takes it (checked there)."""
        center = (GeoPointValue(lat=self.center.lat, lng=self.center.lng)
                  if self.center is not None else None)
        return ZoneInput(center=center, radius_m=self.radius_meters,
                         polygon=cast(Any, self.polygon))


@strawberry.type(description="A stop whose zone holds the position, with the geodesic "
                 "distance (WGS84) in metres from the position to the zone's centre.")
class StopAtEdge:
    node: Stop
    distance_meters: float
    cursor: str


@strawberry.type(description="A page of the stops whose zone holds a position, nearest zone "
                 "centre first.")
class StopAtConnection:
    edges: list[StopAtEdge]
    page_info: PageInfo

    @strawberry.field(description="The stops of the page, without their edges.")
    def nodes(self) -> list[Stop]:
        return [edge.node for edge in self.edges]


def stops_at_connection(page: Page[tuple[StopModel, float]], *, info: Info, kind: str,
                        chain: tuple[str, ...], had_after: bool) -> StopAtConnection:
    """A StopAtConnection from a page of (stop, metres) items."""
    cursors = [info.context.cursors.encode(kind, key) for key in page.keys]
    edges = [StopAtEdge(node=Stop.from_model(stop, chain), distance_meters=metres, cursor=c)
             for (stop, metres), c in zip(page.items, cursors, strict=True)]
    return StopAtConnection(edges=edges, page_info=page_info(cursors, page.has_next, had_after))
