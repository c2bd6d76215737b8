"""Points, boxes and GeoJSON geometries as the service accepts them, validated."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoError, GeoErrorCode

#: Largest radius a nearby search accepts, in metres.
MAX_RADIUS_M = 200_000.0
#: Most vertices a route or an area polygon may have.
MAX_VERTICES = 2_000
#: Largest buffer around a route, in metres.
MAX_BUFFER_M = 50_000.0
#: Metres in one degree of latitude, at its shortest (the equator): bounds stay conservative.
METRES_PER_DEGREE_LAT_MIN = 110_574.0
#: Metres in one degree of longitude at the equator.
METRES_PER_DEGREE_LNG_EQUATOR = 111_320.0


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in degrees."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class BBox:
    """A west/south/east/north box in degrees."""

    west: float
    south: float
    east: float
    north: float


def _finite(value: float, field: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise GeoError(GeoErrorCode.INVALID_COORDINATES, f"{field} must be a finite number",
                       field=field)
    return float(value)


def check_point(lat: float, lng: float, *, field: str = "near") -> GeoPoint:
    """A point whose latitude is in [-90, 90] and longitude in [-180, 180]."""
    lat = _finite(lat, f"{field}.lat")
    lng = _finite(lng, f"{field}.lng")
    if not -90.0 <= lat <= 90.0:
        raise GeoError(GeoErrorCode.INVALID_COORDINATES,
                       f"latitude {lat} is outside [-90, 90]", field=f"{field}.lat")
    if not -180.0 <= lng <= 180.0:
        raise GeoError(GeoErrorCode.INVALID_COORDINATES,
                       f"longitude {lng} is outside [-180, 180]", field=f"{field}.lng")
    return GeoPoint(lat=lat, lng=lng)


def check_radius(radius_m: float) -> float:
    """A radius in metres, positive and at most MAX_RADIUS_M."""
    if not isinstance(radius_m, int | float) or not math.isfinite(radius_m):
        raise GeoError(GeoErrorCode.INVALID_RADIUS, "radiusMeters must be a finite number",
                       field="radiusMeters")
    if radius_m <= 0 or radius_m > MAX_RADIUS_M:
        raise GeoError(GeoErrorCode.INVALID_RADIUS,
                       f"radiusMeters must be > 0 and at most {MAX_RADIUS_M:.0f}",
                       field="radiusMeters")
    return float(radius_m)


def check_buffer(buffer_m: float) -> float:
    """A route buffer in metres, positive and at most MAX_BUFFER_M."""
    if not isinstance(buffer_m, int | float) or not math.isfinite(buffer_m) or not (
        0 < buffer_m <= MAX_BUFFER_M
    ):
        raise GeoError(GeoErrorCode.INVALID_BUFFER,
                       f"bufferMeters must be > 0 and at most {MAX_BUFFER_M:.0f}",
                       field="bufferMeters")
    return float(buffer_m)


def check_bbox(west: float, south: float, east: float, north: float) -> BBox:
    """A box with west < east and south < north, inside the world's bounds."""
    sw = check_point(south, west, field="bbox")
    ne = check_point(north, east, field="bbox")
    if sw.lng >= ne.lng or sw.lat >= ne.lat:
        raise GeoError(GeoErrorCode.INVALID_BBOX,
                       "bbox needs west < east and south < north (boxes across the "
                       "antimeridian are not supported)", field="bbox")
    return BBox(west=sw.lng, south=sw.lat, east=ne.lng, north=ne.lat)


def circle_bbox(center: GeoPoint, radius_m: float) -> BBox:
    """A box that surely contains every point within radius_m of center."""
    dlat = radius_m / METRES_PER_DEGREE_LAT_MIN * 1.01
    south = max(-90.0, center.lat - dlat)
    north = min(90.0, center.lat + dlat)
    widest = max(abs(south), abs(north))
    cos_lat = math.cos(math.radians(widest))
    if widest >= 89.0 or cos_lat <= 0:
        return BBox(-180.0, south, 180.0, north)
    dlng = radius_m / (METRES_PER_DEGREE_LNG_EQUATOR * cos_lat) * 1.01
    return BBox(max(-180.0, center.lng - dlng), south, min(180.0, center.lng + dlng), north)


def _geojson_shape(value: Any, field: str) -> BaseGeometry:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise GeoError(GeoErrorCode.INVALID_GEOJSON, "expected a GeoJSON geometry object",
                       field=field)
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list):
        raise GeoError(GeoErrorCode.INVALID_GEOJSON, "GeoJSON geometry needs coordinates",
                       field=field)
    try:
        geometry = shape(value)
    except Exception as exc:  # shapely raises several types for malformed input
        raise GeoError(GeoErrorCode.INVALID_GEOJSON, f"invalid GeoJSON: {exc}",
                       field=field) from exc
    if geometry.is_empty:
        raise GeoError(GeoErrorCode.INVALID_GEOJSON, "empty geometry", field=field)
    coords = shapely.get_coordinates(geometry)
    if coords.shape[0] > MAX_VERTICES:
        code = (GeoErrorCode.ROUTE_TOO_COMPLEX if field == "route"
                else GeoErrorCode.INVALID_GEOMETRY)
        raise GeoError(code, f"geometry has {coords.shape[0]} vertices; the limit is "
                       f"{MAX_VERTICES}", field=field)
    for lng, lat in coords:
        check_point(float(lat), float(lng), field=field)
    return geometry


def parse_area(value: Any) -> Polygon | MultiPolygon:
    """A valid Polygon or MultiPolygon from GeoJSON ([lng, lat], EPSG:4326)."""
    geometry = _geojson_shape(value, "polygon")
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise GeoError(GeoErrorCode.INVALID_GEOJSON,
                       f"expected a Polygon or MultiPolygon, got {geometry.geom_type}",
                       field="polygon")
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise GeoError(GeoErrorCode.INVALID_GEOMETRY, f"invalid polygon: {reason}",
                       field="polygon")
    return geometry


def parse_route(value: Any) -> LineString:
    """A LineString route of at least two distinct positions from GeoJSON."""
    geometry = _geojson_shape(value, "route")
    if not isinstance(geometry, LineString):
        raise GeoError(GeoErrorCode.INVALID_GEOJSON,
                       f"expected a LineString, got {geometry.geom_type}", field="route")
    if geometry.length == 0:
        raise GeoError(GeoErrorCode.INVALID_GEOMETRY, "route has no length", field="route")
    return geometry


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """The RFC 7946 mapping of a shapely geometry."""
    return dict(shapely.geometry.mapping(geometry))
