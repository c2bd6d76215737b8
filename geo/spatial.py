"""Spatial queries on destinations: nearby, in an area, along a route, map clusters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString, MultiPolygon, Polygon
from sqlalchemy import Boolean, Float, and_, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.paging import Key, Page, PageRequest, page_of
from geo import dialects
from geo.errors import GeoError, GeoErrorCode
from geo.geometry import (
    METRES_PER_DEGREE_LAT_MIN,
    BBox,
    GeoPoint,
    circle_bbox,
)
from geo.models import Destination
from geo.service import DestinationFilter, filter_clauses

#: Geodesic/spherical distance ratios lie in [0.9944, 1.0045] on WGS84; this bound is looser.
_SPHERE_SLACK = 1.01 / 0.99
#: First ring of the SpatiaLite nearest-first search, in metres.
_FIRST_RING_M = 2_000.0
MAX_ZOOM = 22


@dataclass(frozen=True, slots=True)
class Cluster:
    """Destinations that share a map grid cell at a zoom level."""

    cell: tuple[int, int]
    count: int
    center: GeoPoint
    bbox: BBox
    destination_id: int | None


def _where(flt: DestinationFilter | None, *more: Any) -> Any:
    return and_(*filter_clauses(flt), *more)


async def nearby_destinations(
    *, session: AsyncSession, near: GeoPoint, radius_m: float,
    flt: DestinationFilter | None, page: PageRequest,
) -> Page[tuple[Destination, float]]:
    """Destinations within radius_m of near, nearest first, each with its distance in metres."""
    dialect = dialects.dialect_of(session)
    if dialect == "postgresql":
        rows = await _nearby_postgis(session, near, radius_m, flt, page)
    else:
        rows = await _nearby_spatialite(session, near, radius_m, flt, page)
    return page_of([((d, dist), (dist, d.id)) for d, dist in rows], page.first)


def _after(distance: Any, page: PageRequest) -> Any:
    if page.after is None:
        return literal(True)
    after_dist, after_id = page.after
    return tuple_(distance, Destination.id) > tuple_(
        literal(float(after_dist), Float), literal(int(after_id)))


async def _nearby_postgis(
    session: AsyncSession, near: GeoPoint, radius_m: float,
    flt: DestinationFilter | None, page: PageRequest,
) -> list[tuple[Destination, float]]:
    point = dialects.point_postgis(near.lng, near.lat)
    geog, point_geog = dialects.geography(Destination.location), dialects.geography(point)
    distance = dialects.distance_postgis(Destination.location, point)
    after = _after(distance, page)
    # 1. KNN on the geography index (sphere distances): the first+1 nearest after the cursor.
    sphere = geog.op("<->", return_type=Float)(point_geog)
    knn = (select(sphere.label("sd")).where(_where(flt, after))
           .order_by(sphere).limit(page.first + 1).subquery())
    # 2. Every geodesic top-(first+1) row lies within the sphere bound widened by the slack.
    bound = func.least(radius_m, select(func.max(knn.c.sd)).scalar_subquery() * _SPHERE_SLACK)
    stmt = (
        select(Destination, distance.label("distance"))
        .where(_where(flt, after, func.ST_DWithin(geog, point_geog, bound), distance <= radius_m))
        .order_by(distance, Destination.id)
        .limit(page.first + 1)
    )
    return [(d, float(dist)) for d, dist in (await session.execute(stmt)).all()]


async def _nearby_spatialite(
    session: AsyncSession, near: GeoPoint, radius_m: float,
    flt: DestinationFilter | None, page: PageRequest,
) -> list[tuple[Destination, float]]:
    point = dialects.point_spatialite(near.lng, near.lat)
    distance = dialects.distance_spatialite(Destination.location, point)
    after = _after(distance, page)
    start = float(page.after[0]) * 1.5 if page.after else 0.0
    ring = min(radius_m, max(_FIRST_RING_M, start))
    while True:
        # Every point within `ring` lies in the ring's box, so R*Tree candidates are complete.
        stmt = (
            select(Destination, distance.label("distance"))
            .where(_where(flt, after, dialects.bbox_spatialite(circle_bbox(near, ring)),
                          distance <= ring))
            .order_by(distance, Destination.id)
            .limit(page.first + 1)
        )
        rows = [(d, float(dist)) for d, dist in (await session.execute(stmt)).all()]
        if len(rows) > page.first or ring >= radius_m:
            return rows
        ring = min(radius_m, ring * 4)


async def destinations_in_area(
    *, session: AsyncSession, bbox: BBox | None, area: Polygon | MultiPolygon | None,
    flt: DestinationFilter | None, page: PageRequest,
) -> Page[Destination]:
    """Destinations inside a box and/or a polygon, nearest to its centre first (then by id):
    an order the spatial index gives without reading the whole area."""
    dialect = dialects.dialect_of(session)
    clauses: list[Any] = []
    if bbox is not None:
        clauses.append(dialects.BBOX[dialect](bbox))
    if area is not None:
        west, south, east, north = area.bounds
        clauses.append(dialects.BBOX[dialect](BBox(west, south, east, north)))
        shape = dialects.WKT[dialect](area.wkt, "area_wkt")
        clauses.append(func.ST_Intersects(Destination.location, shape, type_=Boolean))
    if not clauses:
        raise GeoError(GeoErrorCode.INVALID_BBOX, "give a bbox or a polygon", field="bbox")
    west, south, east, north = (bbox.west, bbox.south, bbox.east, bbox.north) if bbox \
        else area.bounds  # type: ignore[union-attr]
    offset = dialects.PLANAR_OFFSET[dialect]((west + east) / 2, (south + north) / 2)
    if page.after is not None:
        clauses.append(_after(offset, page))
    stmt = select(Destination, offset.label("offset")).where(_where(flt, *clauses))
    if dialect == "postgresql":
        found = await _nearest_with_ties(session, stmt, offset, page.first + 1)
    else:
        found = [(d, float(o)) for d, o in (await session.execute(
            stmt.order_by(offset, Destination.id).limit(page.first + 1))).all()]
    rows = [(d, (float(o), d.id)) for d, o in found]
    return page_of(rows, page.first)


async def _nearest_with_ties(session: AsyncSession, stmt: Any, offset: Any, want: int
                             ) -> list[tuple[Destination, float]]:
    """The first `want` rows by (offset, id), reading only about `want` rows: PostgreSQL
    orders by `<->` straight from the GiST index but not by a second key, so rows are taken
    by offset alone, with slack, until no tie straddles the cut, then sorted by id too."""
    limit = want + 16
    while True:
        found = [(d, float(o)) for d, o in
                 (await session.execute(stmt.order_by(offset).limit(limit))).all()]
        if len(found) < limit or found[want - 1][1] < found[-1][1]:
            break
        limit *= 4
    found.sort(key=lambda row: (row[1], row[0].id))
    return found[:want]


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
    dialect = dialects.dialect_of(session)
    line = dialects.WKT[dialect](route.wkt, "route_wkt")
    distance = dialects.DISTANCE[dialect](Destination.location, line)
    position = dialects.LINE_LOCATE[dialect](line, Destination.location)
    clauses: list[Any] = [distance <= buffer_m]
    if dialect == "postgresql":
        clauses.append(func.ST_DWithin(dialects.geography(Destination.location),
                                       dialects.geography(line), buffer_m))
    else:
        clauses.append(dialects.bbox_spatialite(_route_bbox(route, buffer_m)))
    if page.after is not None:
        after_pos, after_id = page.after
        clauses.append(tuple_(position, Destination.id) > tuple_(
            literal(float(after_pos), Float), literal(int(after_id))))
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
    dialect = dialects.dialect_of(session)
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
        .where(_where(flt, dialects.BBOX[dialect](bbox)))
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
    dialect = dialects.dialect_of(session)
    point = dialects.POINT[dialect](near.lng, near.lat)
    distance = dialects.DISTANCE[dialect](Destination.location, point)
    stmt = select(Destination.id, distance).where(Destination.id.in_(set(ids)))
    return {i: float(d) for i, d in (await session.execute(stmt)).all()}
