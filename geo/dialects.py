"""SQL expressions that PostGIS and SpatiaLite spell differently, written once.

Each class below is one column-agnostic expression that services use as it is; it is
compiled for PostgreSQL and for SQLite with `@compiles(..., "postgresql")` and
`@compiles(..., "sqlite")`, the way geoalchemy2 does in `geoalchemy2/admin/dialects/`.
Values stay bound parameters (never formatted into the SQL), so statements cache as usual.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
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
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import UserDefinedType

from geo.geometry import BBox

#: Every geometry of the service is WGS84 longitude/latitude.
SRID = 4326


class _Geography(UserDefinedType[Any]):
    """Renders as plain `geography`, so that casts match the `(location::geography)` index."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geography"


def geography(expr: Any) -> ColumnElement[Any]:
    """A PostGIS geometry seen as geography (matches the expression index of migrations)."""
    return cast(expr, _Geography())


def _args(element: FunctionElement[Any]) -> list[Any]:
    return list(element.clauses.clauses)


def _spelled(cls: type[FunctionElement[Any]], **names: str) -> None:
    """Compile cls, per dialect, as the function of that name with the same arguments (as
    geoalchemy2's register_sqlite_mapping does)."""
    for dialect, name in names.items():
        def compile_as(element: FunctionElement[Any], compiler: SQLCompiler, *,
                       _name: str = name, **kw: Any) -> str:
            return f"{_name}({compiler.process(element.clauses, **kw)})"

        compiles(cls, dialect)(compile_as)


# -- a point given as lng/lat -------------------------------------------------------------

class Point(FunctionElement[Any]):
    """The point (lng, lat) of an SRID: Point(lng, lat, srid)."""

    type = Geometry(geometry_type="POINT", srid=SRID)
    inherit_cache = True


def bound_lng_lat(lng: float, lat: float, name: str) -> tuple[Any, Any]:
    """A longitude and a latitude as bound parameters `{name}_lng` and `{name}_lat`."""
    return (bindparam(f"{name}_lng", lng, type_=Float),
            bindparam(f"{name}_lat", lat, type_=Float))


def point(lng: float, lat: float, *, name: str = "pt") -> Point:
    """The point (lng, lat), its coordinates bound as `{name}_lng` and `{name}_lat`."""
    return Point(*bound_lng_lat(lng, lat, name), literal(SRID))


@compiles(Point, "postgresql")
def _point_postgis(element: Point, compiler: SQLCompiler, **kw: Any) -> str:
    lng, lat, srid = _args(element)
    return compiler.process(func.ST_SetSRID(func.ST_MakePoint(lng, lat), srid), **kw)


@compiles(Point, "sqlite")
def _point_spatialite(element: Point, compiler: SQLCompiler, **kw: Any) -> str:
    lng, lat, srid = _args(element)
    return compiler.process(func.MakePoint(lng, lat, srid), **kw)


# -- a geometry given as WKT ---------------------------------------------------------------

class FromWkt(FunctionElement[Any]):
    """A geometry read from its WKT: FromWkt(wkt, srid)."""

    type = Geometry(srid=SRID)
    inherit_cache = True


def from_wkt(wkt: str, name: str) -> FromWkt:
    """The geometry of a WKT text, bound as `name`."""
    return FromWkt(bindparam(name, wkt), literal(SRID))


_spelled(FromWkt, postgresql="ST_GeomFromText", sqlite="GeomFromText")


# -- metres on the WGS84 ellipsoid --------------------------------------------------------

class GeodesicDistance(FunctionElement[float]):
    """The distance between two geometries on the WGS84 spheroid, in metres."""

    type = Float()
    inherit_cache = True


@compiles(GeodesicDistance, "postgresql")
def _distance_postgis(element: GeodesicDistance, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element)
    return compiler.process(func.ST_Distance(geography(a), geography(b), type_=Float), **kw)


@compiles(GeodesicDistance, "sqlite")
def _distance_spatialite(element: GeodesicDistance, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element)  # use_ellipsoid = 1: GeographicLib
    return compiler.process(func.ST_Distance(a, b, literal(1), type_=Float), **kw)


# -- position along a line ----------------------------------------------------------------

class LineLocatePoint(FunctionElement[float]):
    """Fraction (0..1) of a line's length at the point of the line nearest to a point."""

    type = Float()
    inherit_cache = True


_spelled(LineLocatePoint, postgresql="ST_LineLocatePoint", sqlite="ST_Line_Locate_Point")


# -- points in a box, through the spatial index -------------------------------------------

class InBox(FunctionElement[bool]):
    """Whether a point column lies in a box (edges included), through its spatial index:
    InBox(geom, west, south, east, north)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a predicate on every dialect: never `... = 1`


def in_box(geom: Any, box: BBox, *, name: str | None = None) -> InBox:
    """Whether geom lies in box: InBox(geom, west, south, east, north); with a `name`, the
    box is bound as `{name}_west` ... `{name}_north` (box_params), for statements that serve
    every box."""
    if name is None:
        return InBox(geom, box.west, box.south, box.east, box.north)
    return InBox(geom, *(bindparam(key, value, type_=Float)
                         for key, value in box_params(name, box).items()))


def box_params(name: str, box: BBox) -> dict[str, float]:
    """The bound values of in_box(..., name=name) for a box."""
    return {f"{name}_west": box.west, f"{name}_south": box.south, f"{name}_east": box.east,
            f"{name}_north": box.north}


@compiles(InBox, "postgresql")
def _in_box_postgis(element: InBox, compiler: SQLCompiler, **kw: Any) -> str:
    # ST_Intersects goes through the GiST index and gives the planner a true row estimate,
    # which X/Y range checks on ST_X() would not.
    geom, west, south, east, north = _args(element)
    envelope = func.ST_MakeEnvelope(west, south, east, north, SRID)
    return compiler.process(func.ST_Intersects(geom, envelope, type_=Boolean), **kw)


def _rtree_of(geom: Any) -> Any:
    """SpatiaLite's R*Tree of a geometry column (`idx_<table>_<column>`, keyed by rowid)."""
    owner = geom.table
    return table(f"idx_{owner.name}_{geom.name}", column("pkid"), column("xmin"),
                 column("xmax"), column("ymin"), column("ymax"))


@compiles(InBox, "sqlite")
def _in_box_spatialite(element: InBox, compiler: SQLCompiler, **kw: Any) -> str:
    # R*Tree candidates by rowid (the integer primary key), then the exact X/Y check.
    geom, west, south, east, north = _args(element)
    (key,) = geom.table.primary_key.columns
    rtree = _rtree_of(geom)
    candidates = select(rtree.c.pkid).where(
        rtree.c.xmin <= east, rtree.c.xmax >= west,
        rtree.c.ymin <= north, rtree.c.ymax >= south,
    )
    exact = (func.ST_X(geom, type_=Float).between(west, east)
             & func.ST_Y(geom, type_=Float).between(south, north))
    return f"({compiler.process(key.in_(candidates) & exact, **kw)})"


# -- geometries that hold a point, through the spatial index ------------------------------

class HoldsPoint(FunctionElement[bool]):
    """Whether a geometry column holds the point (lng, lat), its boundary included, through
    its spatial index (GiST, or SpatiaLite's R*Tree): HoldsPoint(geom, lng, lat)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True


def holds_point(geom: Any, lng: float, lat: float) -> HoldsPoint:
    """Whether geom holds (lng, lat), bound as `h_lng` and `h_lat`."""
    return HoldsPoint(geom, *bound_lng_lat(lng, lat, "h"))


@compiles(HoldsPoint, "postgresql")
def _holds_postgis(element: HoldsPoint, compiler: SQLCompiler, **kw: Any) -> str:
    geom, lng, lat = _args(element)
    point_ = Point(lng, lat, literal(SRID))
    return compiler.process(func.ST_Intersects(geom, point_, type_=Boolean), **kw)


@compiles(HoldsPoint, "sqlite")
def _holds_spatialite(element: HoldsPoint, compiler: SQLCompiler, **kw: Any) -> str:
    # R*Tree rows whose box holds the point, by rowid, then the exact test.
    geom, lng, lat = _args(element)
    (key,) = geom.table.primary_key.columns
    rtree = _rtree_of(geom)
    candidates = select(rtree.c.pkid).where(rtree.c.xmin <= lng, rtree.c.xmax >= lng,
                                            rtree.c.ymin <= lat, rtree.c.ymax >= lat)
    exact = func.ST_Intersects(geom, Point(lng, lat, literal(SRID)), type_=Boolean) == 1
    return f"({compiler.process(key.in_(candidates) & exact, **kw)})"


# -- within a distance of a geometry, through the spatial index ---------------------------

class NearCandidates(FunctionElement[bool]):
    """Rows whose point may lie within `metres` of `other`, found through the spatial index:
    the geography index (PostGIS, exact) or the R*Tree on `box`, which must hold every such
    point (SpatiaLite, a superset). Pair it with an exact distance test."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True


def near_candidates(geom: Any, other: Any, metres: float, box: BBox) -> NearCandidates:
    """NearCandidates(geom, other, metres, west, south, east, north)."""
    return NearCandidates(geom, other, metres, box.west, box.south, box.east, box.north)


@compiles(NearCandidates, "postgresql")
def _near_postgis(element: NearCandidates, compiler: SQLCompiler, **kw: Any) -> str:
    geom, other, metres, *_box = _args(element)
    return compiler.process(
        func.ST_DWithin(geography(geom), geography(other), metres), **kw)


@compiles(NearCandidates, "sqlite")
def _near_spatialite(element: NearCandidates, compiler: SQLCompiler, **kw: Any) -> str:
    geom, _other, _metres, west, south, east, north = _args(element)
    return compiler.process(InBox(geom, west, south, east, north), **kw)


# -- planar offset from a point, in degrees (an order for areas, not a distance) -----------

class PlanarOffset(FunctionElement[float]):
    """The Euclidean offset in degrees of a point column from a point (an order, not metres):
    `geom <-> point` on PostGIS, ordered straight from the GiST index (KNN)."""

    type = Float()
    inherit_cache = True


def planar_offset(geom: Any, lng: float, lat: float) -> PlanarOffset:
    """The offset of geom from (lng, lat), bound as `c_lng` and `c_lat`."""
    return PlanarOffset(geom, *bound_lng_lat(lng, lat, "c"))


@compiles(PlanarOffset, "postgresql")
def _offset_postgis(element: PlanarOffset, compiler: SQLCompiler, **kw: Any) -> str:
    geom, lng, lat = _args(element)
    centre = Point(lng, lat, literal(SRID))
    return compiler.process(geom.op("<->", return_type=Float)(centre), **kw)


@compiles(PlanarOffset, "sqlite")
def _offset_spatialite(element: PlanarOffset, compiler: SQLCompiler, **kw: Any) -> str:
    geom, lng, lat = _args(element)
    dx = func.ST_X(geom, type_=Float) - lng
    dy = func.ST_Y(geom, type_=Float) - lat
    return compiler.process(func.sqrt(dx * dx + dy * dy, type_=Float), **kw)
