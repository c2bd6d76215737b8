"""Trigger zones of stops (izi.TRAVEL's model for walking tours): where a visitor has to be for
a stop's story to play, and the stops whose zone holds a visitor's position.

A zone is a circle on the WGS84 ellipsoid (a centre and a radius in metres: a position is in it
when its geodesic distance to the centre is at most the radius) or a GeoJSON Polygon (holes
allowed; its edges are straight in longitude/latitude, as RFC 7946 has them; the boundary
belongs to the zone). Each zone has a centre, by which overlapping zones are ordered: the
circle's own, or for a polygon its centroid when that lies inside it, else a point inside it
(GEOS' point on surface). The `zone` column holds what the spatial index looks up: the polygon,
or for a circle the boxes that surely hold it (two across the antimeridian), so that both
databases find candidates through their index and then decide with the same exact test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.paging import Page, PageRequest, page_of
from geo import dialects
from geo.errors import GeoError
from geo.geometry import BBox, GeoPoint, check_point, circle_bbox, parse_area, to_geojson
from geo.models import Destination, Status
from geo.nearest import after
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Stop

#: Smallest and largest radius of a circle zone, in metres (a phone's fix is rarely better
#: than 5 m; a zone wider than a walking site is not a stop's).
MIN_RADIUS_M = 5.0
MAX_RADIUS_M = 5_000.0
#: Most positions a polygon zone may have, holes included.
MAX_ZONE_VERTICES = 500


class ZoneKind(StrEnum):
    """The shape of a trigger zone."""

    CIRCLE = "circle"
    POLYGON = "polygon"


@dataclass(frozen=True, slots=True)
class Zone:
    """A stop's trigger zone: a circle (centre, radius_m) or a polygon (with its centre)."""

    kind: ZoneKind
    center: GeoPoint
    radius_m: float | None = None
    polygon: Polygon | None = None

    def geojson(self) -> dict[str, Any] | None:
        """The polygon as an RFC 7946 geometry (exterior counterclockwise); None for circles."""
        return to_geojson(self.polygon) if self.polygon is not None else None


@dataclass(frozen=True, slots=True)
class ZoneInput:
    """A zone as staff give it, unchecked: a circle (center and radius_m) or a GeoJSON
    Polygon (polygon)."""

    center: GeoPoint | None = None
    radius_m: float | None = None
    polygon: Any | None = None


def _refuse(code: Code, message: str, fld: str) -> TourError:
    return TourError(code, message, field=fld)


def circle_zone(center: GeoPoint, radius_m: float) -> Zone:
    """A circle zone, its centre in range and its radius MIN_RADIUS_M..MAX_RADIUS_M metres."""
    point = check_point(center.lat, center.lng, field="zone.center")
    if not isinstance(radius_m, int | float) or not math.isfinite(radius_m) or not (
            MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M):
        raise _refuse(Code.INVALID_ZONE_RADIUS,
                      f"radiusMeters must be between {MIN_RADIUS_M:.0f} and "
                      f"{MAX_RADIUS_M:.0f}", "zone.radiusMeters")
    return Zone(kind=ZoneKind.CIRCLE, center=point, radius_m=float(radius_m))


def _positions(value: Any) -> int:
    """How many positions a GeoJSON Polygon's rings hold (0 when it is not shaped like one:
    parse_area then says why)."""
    rings = value.get("coordinates") if isinstance(value, dict) else None
    if not isinstance(rings, list):
        return 0
    return sum(len(ring) for ring in rings if isinstance(ring, list))


def _closed(value: dict[str, Any]) -> bool:
    return all(ring[0] == ring[-1] for ring in value["coordinates"])


def _centre(polygon: Polygon) -> GeoPoint:
    inside = polygon.centroid
    if not polygon.contains(inside):
        inside = polygon.point_on_surface()
    return GeoPoint(lat=float(inside.y), lng=float(inside.x))


def polygon_zone(value: Any) -> Zone:
    """A polygon zone from a GeoJSON Polygon: closed rings, valid (not self-intersecting, holes
    inside), at most MAX_ZONE_VERTICES positions, within the box of a MAX_RADIUS_M circle
    around its centre."""
    fld = "zone.polygon"
    count = _positions(value)
    if count > MAX_ZONE_VERTICES:
        raise _refuse(Code.ZONE_TOO_COMPLEX, f"the polygon has {count} positions; the limit "
                      f"is {MAX_ZONE_VERTICES}", fld)
    try:
        area = parse_area(value)  # GeoJSON shape, coordinates in range, validity
    except GeoError as exc:
        raise GeoError(exc.code, exc.message, field=fld) from exc
    if not isinstance(area, Polygon):
        raise _refuse(Code.INVALID_ZONE, "a zone is one Polygon, not a MultiPolygon", fld)
    if not _closed(value):
        raise _refuse(Code.INVALID_ZONE, "each ring must end at its first position", fld)
    centre = _centre(area)
    reach = circle_bbox(centre, MAX_RADIUS_M)
    west, south, east, north = area.bounds
    if west < reach.west or east > reach.east or south < reach.south or north > reach.north:
        raise _refuse(Code.INVALID_ZONE, f"the polygon reaches further than about "
                      f"{MAX_RADIUS_M:.0f} m from its centre (or across the antimeridian)",
                      fld)
    return Zone(kind=ZoneKind.POLYGON, center=centre, polygon=orient(area, sign=1.0))


def check_zone(given: ZoneInput) -> Zone:
    """The zone given either as a circle (center and radius_m) or as a GeoJSON polygon."""
    if given.polygon is not None:
        if given.center is not None or given.radius_m is not None:
            raise _refuse(Code.INVALID_ZONE, "give either a centre and a radius or a polygon, "
                          "not both (a polygon's centre is computed)", "zone")
        return polygon_zone(given.polygon)
    if given.center is None or given.radius_m is None:
        raise _refuse(Code.INVALID_ZONE, "a circle zone needs a centre and radiusMeters",
                      "zone")
    return circle_zone(given.center, given.radius_m)


def _box(b: BBox) -> Polygon:
    return box(b.west, b.south, b.east, b.north)


def circle_cover(center: GeoPoint, radius_m: float) -> Polygon | MultiPolygon:
    """Boxes that surely hold every position within radius_m of center: one, or two when the
    circle crosses the antimeridian."""
    main = circle_bbox(center, radius_m)
    if main.west <= -180.0 and main.east >= 180.0:
        return _box(main)  # around a pole: every longitude
    parts = [main]
    if main.east >= 180.0:
        parts.append(circle_bbox(GeoPoint(lat=center.lat, lng=center.lng - 360.0), radius_m))
    if main.west <= -180.0:
        parts.append(circle_bbox(GeoPoint(lat=center.lat, lng=center.lng + 360.0), radius_m))
    boxes = [_box(b) for b in parts if b.east > b.west]
    return boxes[0] if len(boxes) == 1 else MultiPolygon(boxes)


def _wkb(geometry: Any) -> WKBElement:
    return from_shape(geometry, srid=dialects.SRID)


def zone_of(stop: Stop) -> Zone | None:
    """The trigger zone of a stop, or None when it has none."""
    if stop.zone_kind is None or stop.zone_lat is None or stop.zone_lng is None:
        return None
    center = GeoPoint(lat=stop.zone_lat, lng=stop.zone_lng)
    if stop.zone_kind == ZoneKind.CIRCLE:
        return Zone(kind=ZoneKind.CIRCLE, center=center, radius_m=stop.zone_radius_m)
    shape = to_shape(stop.zone) if stop.zone is not None else None
    if not isinstance(shape, Polygon):
        return None
    return Zone(kind=ZoneKind.POLYGON, center=center, polygon=shape)


async def set_stop_zone(*, session: AsyncSession, actor: Actor, stop_id: int,
                        zone: ZoneInput | None) -> Stop:
    """Sets (or with None clears) a stop's trigger zone once it is checked; a refused zone
    changes nothing (not committed)."""
    require_staff(actor)
    checked = check_zone(zone) if zone is not None else None
    stop = await session.get(Stop, stop_id)
    if stop is None:
        raise TourError(Code.STOP_NOT_FOUND, f"no stop {stop_id}", field="stopId")
    return await _store(session, stop, checked)


async def _store(session: AsyncSession, stop: Stop, zone: Zone | None) -> Stop:
    if zone is None:
        stop.zone_kind = stop.zone_radius_m = stop.zone_center = stop.zone = None
    else:
        stop.zone_kind = zone.kind.value
        stop.zone_radius_m = zone.radius_m
        stop.zone_center = _wkb(Point(zone.center.lng, zone.center.lat))
        stop.zone = _wkb(zone.polygon if zone.polygon is not None
                         else circle_cover(zone.center, zone.radius_m or 0.0))
    await session.flush()
    await session.refresh(stop, attribute_names=["zone_lat", "zone_lng"])
    return stop


async def stops_at(*, session: AsyncSession, point: GeoPoint, page: PageRequest
                   ) -> Page[tuple[Stop, float]]:
    """The stops of published destinations whose zone holds point, nearest zone centre first
    (then by id), each with the geodesic distance in metres from point to that centre."""
    distance = dialects.GeodesicDistance(Stop.zone_center,
                                         dialects.point(point.lng, point.lat, name="at"))
    holds = and_(dialects.holds_point(Stop.zone, point.lng, point.lat),
                 or_(Stop.zone_kind == ZoneKind.POLYGON.value,
                     and_(Stop.zone_kind == ZoneKind.CIRCLE.value,
                          distance <= Stop.zone_radius_m)))
    stmt = (select(Stop, distance.label("distance"))
            .join(Destination, Destination.id == Stop.destination_id)
            .where(holds, Destination.status == Status.PUBLISHED.value,
                   after(distance, Stop.id, page.after))
            .order_by(distance, Stop.id).limit(page.first + 1))
    rows = [(stop, float(metres)) for stop, metres in (await session.execute(stmt)).all()]
    return page_of([((s, d), (d, s.id)) for s, d in rows], page.first)
