"""Where PostGIS and SpatiaLite differ: one small function per dialect, side by side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from geo.geometry import BBox
from geo.models import Destination


def dialect_of(session: AsyncSession) -> str:
    """'postgresql' or 'sqlite'."""
    return session.get_bind().dialect.name


def _float(name: str, value: float) -> Any:
    return bindparam(name, value, type_=Float)


# -- a point given as lng/lat -------------------------------------------------------------

def point_postgis(lng: float, lat: float) -> ColumnElement[Any]:
    """ST_SetSRID(ST_MakePoint(lng, lat), 4326)."""
    return func.ST_SetSRID(func.ST_MakePoint(_float("pt_lng", lng), _float("pt_lat", lat)), 4326)


def point_spatialite(lng: float, lat: float) -> ColumnElement[Any]:
    """MakePoint(lng, lat, 4326)."""
    return func.MakePoint(_float("pt_lng", lng), _float("pt_lat", lat), 4326)


# -- a geometry given as WKT ---------------------------------------------------------------

def wkt_postgis(wkt: str, name: str) -> ColumnElement[Any]:
    """ST_GeomFromText(wkt, 4326)."""
    return func.ST_GeomFromText(bindparam(name, wkt), 4326)


def wkt_spatialite(wkt: str, name: str) -> ColumnElement[Any]:
    """GeomFromText(wkt, 4326)."""
    return func.GeomFromText(bindparam(name, wkt), 4326)


# -- metres on the WGS84 ellipsoid --------------------------------------------------------

class _Geography(UserDefinedType[Any]):
    """Renders as plain `geography`, so that casts match the `(location::geography)` index."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geography"


def geography(expr: Any) -> ColumnElement[Any]:
    """A PostGIS geometry seen as geography (matches the expression index of migrations)."""
    return cast(expr, _Geography())


def distance_postgis(a: Any, b: Any) -> ColumnElement[float]:
    """Geodesic distance on the WGS84 spheroid, in metres."""
    return func.ST_Distance(geography(a), geography(b), type_=Float)


def distance_spatialite(a: Any, b: Any) -> ColumnElement[float]:
    """Geodesic distance on the WGS84 ellipsoid (GeographicLib), in metres."""
    return func.ST_Distance(a, b, literal(1), type_=Float)


# -- boxes through the spatial index -----------------------------------------------------

def bbox_postgis(box: BBox) -> ColumnElement[bool]:
    """Points in a box (edges included), through the GiST index: ST_Intersects also gives
    the planner a true row estimate, which X/Y range checks on ST_X() would not."""
    envelope = func.ST_MakeEnvelope(box.west, box.south, box.east, box.north, 4326)
    return func.ST_Intersects(Destination.location, envelope, type_=Boolean)


_RTREE = table("idx_destination_location", column("pkid"), column("xmin"), column("xmax"),
               column("ymin"), column("ymax"))


def bbox_spatialite(box: BBox) -> ColumnElement[bool]:
    """Points in a box, through SpatiaLite's R*Tree, checked exactly on X/Y."""
    in_rtree = select(_RTREE.c.pkid).where(
        _RTREE.c.xmin <= box.east, _RTREE.c.xmax >= box.west,
        _RTREE.c.ymin <= box.north, _RTREE.c.ymax >= box.south,
    )
    return Destination.id.in_(in_rtree) & _exact_box(box)


def _exact_box(box: BBox) -> ColumnElement[bool]:
    return (Destination.lng.between(box.west, box.east)
            & Destination.lat.between(box.south, box.north))


def line_locate_postgis(line: Any, point: Any) -> Any:
    """Fraction (0..1) of the line's length at the point of the line nearest to point."""
    return func.ST_LineLocatePoint(line, point, type_=Float)


def line_locate_spatialite(line: Any, point: Any) -> Any:
    """Fraction (0..1) of the line's length at the point of the line nearest to point."""
    return func.ST_Line_Locate_Point(line, point, type_=Float)


# -- planar offset from a point, in degrees (an order for areas, not a distance) -----------

def planar_offset_postgis(lng: float, lat: float) -> ColumnElement[float]:
    """`location <-> point`: ordered straight from the GiST index (KNN)."""
    centre = func.ST_SetSRID(func.ST_MakePoint(_float("c_lng", lng), _float("c_lat", lat)), 4326)
    return Destination.location.op("<->", return_type=Float)(centre)


def planar_offset_spatialite(lng: float, lat: float) -> ColumnElement[float]:
    """The same Euclidean offset in degrees, from X and Y."""
    dx = Destination.lng - _float("c_lng", lng)
    dy = Destination.lat - _float("c_lat", lat)
    return func.sqrt(dx * dx + dy * dy, type_=Float)


PLANAR_OFFSET = {"postgresql": planar_offset_postgis, "sqlite": planar_offset_spatialite}
POINT = {"postgresql": point_postgis, "sqlite": point_spatialite}
WKT = {"postgresql": wkt_postgis, "sqlite": wkt_spatialite}
DISTANCE = {"postgresql": distance_postgis, "sqlite": distance_spatialite}
BBOX = {"postgresql": bbox_postgis, "sqlite": bbox_spatialite}
LINE_LOCATE = {"postgresql": line_locate_postgis, "sqlite": line_locate_spatialite}
