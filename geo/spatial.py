"""Spatial queries on destinations: nearby, in an area, along a route, map clusters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

from shapely.geometry import LineString, MultiPolygon, Polygon
from sqlalchemy import Boolean, Float, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.kept import kept
from core.paging import Key, Page, PageRequest, page_of
from core.row_reads import RowSource
from geo import dialects
from geo.errors import GeoError, GeoErrorCode
from geo.geometry import METRES_PER_DEGREE_LAT_MIN, BBox, GeoPoint
from geo.models import Destination
from geo.nearest import after, after_params, closest_to_centre, nearest
from geo.service import DestinationFilter, filter_clauses

MAX_ZOOM = 22
_NOWHERE = BBox(0.0, 0.0, 0.0, 0.0)  # a box bound per request (in_box's `name`)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Destinations that share a map grid cell at a zoom level."""

    cell: tuple[int, int]
    count: int
    center: GeoPoint
    bbox: BBox
    destination_id: int | None


#: The columns of a destination a page may be read with, without ORM objects (the API's
#: fast path asks for the ones its selection needs).
ROW_COLUMNS = frozenset({"id", "slug", "name", "description", "address", "lat", "lng",
                         "category", "status", "heritage_ranking", "district"})


#: The destination table's own columns: statements of rows built from them alone run as
#: Core statements, without the ORM's compile and loading steps.
_TABLE = Destination.__table__.c


def _row_column(name: str) -> Any:
    if name in ("lat", "lng"):  # the model's column properties, on the table's column
        return (func.ST_Y if name == "lat" else func.ST_X)(_TABLE.location,
                                                           type_=Float).label(name)
    return _TABLE[name]


@lru_cache(maxsize=256)
def destination_columns(names: frozenset[str]) -> tuple[Any, ...]:
    """These columns of destinations (and their id), for rows without ORM objects; made once
    per set of names, so that statements stay in SQLAlchemy's cache."""
    unknown = names - ROW_COLUMNS
    if unknown:
        raise ValueError(f"not a column of a destination row: {sorted(unknown)}")
    return tuple(_row_column(name) for name in column_places(names))


@lru_cache(maxsize=256)
def column_places(names: frozenset[str]) -> dict[str, int]:
    """Where each column is in a row of destination_columns(names): rows are read by place."""
    return {name: place for place, name in enumerate(sorted(names | {"id"}))}


def _selected(columns: frozenset[str] | None) -> tuple[Any, ...]:
    return (Destination,) if columns is None else destination_columns(columns)


def _where(flt: DestinationFilter | None, *more: Any) -> Any:
    return and_(*filter_clauses(flt), *more)


def _where_key(flt: DestinationFilter | None) -> DestinationFilter | None:
    """What stands for a filter's clauses in a kept statement: the filter itself, unless its
    clauses depend on the time (openNow), which no kept statement may hold."""
    flt = flt or DestinationFilter()
    return None if flt.open_now is not None else replace(flt, now=None)


async def nearby_destinations(
    *, session: RowSource, near: GeoPoint, radius_m: float,
    flt: DestinationFilter | None, page: PageRequest, columns: frozenset[str] | None = None,
) -> Page[tuple[Any, float]]:
    """Destinations within radius_m of near, nearest first, each with its distance in metres;
    with `columns` (names of ROW_COLUMNS) rows of those columns instead of ORM objects (then
    `session` may be a reader of rows, core.row_reads)."""
    cursor = (float(page.after[0]), int(page.after[1])) if page.after is not None else None
    rows = await nearest(session=session, entity=Destination, location=_TABLE.location,
                         near=near, radius_m=radius_m, limit=page.first + 1,
                         where=partial(filter_clauses, flt), after=cursor,
                         where_key=_where_key(flt),
                         columns=None if columns is None else destination_columns(columns))
    return page_of([((d, dist), (dist, d.id)) for d, dist in rows], page.first)


def _area_statement(selected: tuple[Any, ...], where: list[Any], *, has_bbox: bool,
                    has_area: bool, has_after: bool) -> tuple[Select[Any], Any]:
    """The statement of an area's page and its offset, every value bound by name (_area_params)."""
    clauses: list[Any] = list(where)
    if has_bbox:
        clauses.append(dialects.in_box(_TABLE.location, _NOWHERE, name="box"))
    if has_area:
        clauses.append(dialects.in_box(_TABLE.location, _NOWHERE, name="bounds"))
        polygon = dialects.from_wkt("POINT(0 0)", "area_wkt")  # bound per request
        clauses.append(func.ST_Intersects(_TABLE.location, polygon, type_=Boolean))
    offset = dialects.planar_offset(_TABLE.location, 0.0, 0.0)
    if has_after:
        clauses.append(after(offset, _TABLE.id, (0.0, 0)))
    return select(*selected, offset.label("offset")).where(and_(*clauses)), offset


def _area_params(bbox: BBox | None, area: Polygon | MultiPolygon | None,
                 cursor: Key | None) -> dict[str, Any]:
    west, south, east, north = (bbox.west, bbox.south, bbox.east, bbox.north) if bbox \
        else area.bounds  # type: ignore[union-attr]
    params: dict[str, Any] = {"c_lng": (west + east) / 2, "c_lat": (south + north) / 2,
                              **after_params(cursor)}
    if bbox is not None:
        params.update(dialects.box_params("box", bbox))
    if area is not None:
        params.update(dialects.box_params("bounds", BBox(*area.bounds)))
        params["area_wkt"] = area.wkt
    return params


async def destinations_in_area(
    *, session: RowSource, bbox: BBox | None, area: Polygon | MultiPolygon | None,
    flt: DestinationFilter | None, page: PageRequest, columns: frozenset[str] | None = None,
) -> Page[Any]:
    """Destinations inside a box and/or a polygon, nearest to its centre first (then by id):
    an order the spatial index gives without reading the whole area; with `columns` (names
    of ROW_COLUMNS) rows of those columns instead of ORM objects (then `session` may be a
    reader of rows, core.row_reads)."""
    if bbox is None and area is None:
        raise GeoError(GeoErrorCode.INVALID_BBOX, "give a bbox or a polygon", field="bbox")
    selected = _selected(columns)
    shape = {"has_bbox": bbox is not None, "has_area": area is not None,
             "has_after": page.after is not None}
    where_key = _where_key(flt)

    def build() -> tuple[Select[Any], Any]:  # the filter's clauses made with the statement
        return _area_statement(selected, filter_clauses(flt), **shape)

    stmt, offset = build() if where_key is None else kept(
        (_area_statement, selected, where_key, *shape.values()), build)
    found = await closest_to_centre(session=session, stmt=stmt,
                                    params=_area_params(bbox, area, page.after),
                                    offset=offset, key=_TABLE.id, want=page.first + 1,
                                    flat=columns is not None)
    rows = [(d, (float(o), d.id)) for d, o in found]
    return page_of(rows, page.first)


def _route_bbox(route: LineString, buffer_m: float) -> BBox:
    west, south, east, north = route.bounds
    dlat = buffer_m / METRES_PER_DEGREE_LAT_MIN * 1.01
    widest = min(89.0, max(abs(south), abs(north)) + dlat)
    dlng = min(180.0, dlat / max(math.cos(math.radians(widest)), 1e-6))
    return BBox(max(-180.0, west - dlng), max(-90.0, south - dlat),
                min(180.0, east + dlng), min(90.0, north + dlat))


async def destinations_along_route(
    *, session: AsyncSession, route: LineString, buffer_m: float,
    flt: DestinationFilter | None, page: PageRequest,
) -> Page[tuple[Destination, float, float]]:
    """Destinations within buffer_m of a route, in order along it: (destination, metres, 0..1)."""
    line = dialects.from_wkt(route.wkt, "route_wkt")
    distance = dialects.GeodesicDistance(Destination.location, line)
    position = dialects.LineLocatePoint(line, Destination.location)
    clauses: list[Any] = [
        distance <= buffer_m,
        dialects.near_candidates(Destination.location, line, buffer_m,
                                 _route_bbox(route, buffer_m)),
    ]
    if page.after is not None:
        clauses.append(after(position, Destination.id, page.after))
    stmt = (select(Destination, distance.label("distance"), position.label("position"))
            .where(_where(flt, *clauses))
            .order_by(position, Destination.id).limit(page.first + 1))
    rows: list[tuple[tuple[Destination, float, float], Key]] = [
        ((d, float(dist), float(pos)), (float(pos), d.id))
            for d, dist, pos in (await session.execute(stmt)).all()]
    return page_of(rows, page.first)


def cell_degrees(zoom: int) -> float:
    """Width of a cluster cell in degrees of longitude: a quarter of a 256-px tile."""
    return 360.0 / float(2**zoom) / 4.0


async def destination_clusters(
    *, session: AsyncSession, bbox: BBox, zoom: int, flt: DestinationFilter | None,
) -> list[Cluster]:
    """Grid clusters of the destinations in a box; their counts add up to the box's total."""
    if not 0 <= zoom <= MAX_ZOOM:
        raise GeoError(GeoErrorCode.INVALID_ZOOM, f"zoom must be between 0 and {MAX_ZOOM}",
                       field="zoom")
    size_x = cell_degrees(zoom)
    mid_lat = (bbox.south + bbox.north) / 2
    size_y = size_x * max(math.cos(math.radians(mid_lat)), 0.05)
    gx = func.floor((Destination.lng + 180.0) / size_x)
    gy = func.floor((Destination.lat + 90.0) / size_y)
    stmt = (
        select(gx.label("gx"), gy.label("gy"), func.count().label("n"),
               func.avg(Destination.lng), func.avg(Destination.lat),
               func.min(Destination.lng), func.min(Destination.lat),
               func.max(Destination.lng), func.max(Destination.lat), func.min(Destination.id))
        .where(_where(flt, dialects.in_box(Destination.location, bbox)))
        .group_by(gx, gy).order_by(gx, gy)
    )
    return [
        Cluster(cell=(int(x), int(y)), count=int(n), center=GeoPoint(lat=float(ay), lng=float(ax)),
                bbox=BBox(float(w), float(s), float(e), float(nn)),
                destination_id=int(first_id) if n == 1 else None)
        for x, y, n, ax, ay, w, s, e, nn, first_id in (await session.execute(stmt)).all()
    ]


async def distances_from(
    *, session: AsyncSession, near: GeoPoint, ids: Sequence[int]
) -> dict[int, float]:
    """Geodesic distance in metres from a point to each of several destinations."""
    if not ids:
        return {}
    distance = dialects.GeodesicDistance(Destination.location,
                                         dialects.point(near.lng, near.lat))
    stmt = select(Destination.id, distance).where(Destination.id.in_(set(ids)))
    return {i: float(d) for i, d in (await session.execute(stmt)).all()}
