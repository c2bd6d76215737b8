"""Nearest first through the spatial index, for any table with a WGS84 point column.

One entry point per order, each with the strategy its database does best, chosen once
from the session's dialect:
- `nearest`: within a radius, by geodesic distance. PostGIS: a KNN scan of the GiST index
  on `location::geography`, then an exact re-rank on the spheroid; SpatiaLite: expanding
  rings through the R*Tree, measured with GeographicLib.
- `closest_to_centre`: by planar offset from a point (areas). PostGIS orders by `<->` from
  the GiST index, but not by a second key; SpatiaLite sorts by (offset, id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Float, Select, and_, func, inspect, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from geo import dialects
from geo.geometry import GeoPoint, circle_bbox

T = TypeVar("T")

#: Geodesic/spherical distance ratios lie in [0.9944, 1.0045] on WGS84; this bound is looser.
_SPHERE_SLACK = 1.01 / 0.99
#: First ring of the SpatiaLite nearest-first search, in metres.
_FIRST_RING_M = 2_000.0


@dataclass(frozen=True, slots=True)
class _Search:
    """One nearest-first search: what the strategies of each dialect are given."""

    entity: Any
    columns: tuple[Any, ...] | None  # rows of these columns (Core), not the entity
    location: Any
    key: Any
    near: GeoPoint
    radius_m: float
    limit: int
    where: tuple[Any, ...]
    after: tuple[float, int] | None

    def select(self, value: Any) -> Select[Any]:
        """The entity (or the columns) and a value."""
        if self.columns is None:
            return select(self.entity, value)
        return select(*self.columns, value)

    def distance(self, point: Any) -> ColumnElement[float]:
        return dialects.GeodesicDistance(self.location, point)

    def after_clause(self, distance: Any) -> Any:
        return after(distance, self.key, self.after)


def after(order: Any, key: Any, cursor: Sequence[Any] | None) -> Any:
    """The rows that come after a (value, id) cursor in the order (order, key)."""
    if cursor is None:
        return literal(True)
    value, row_id = cursor
    return tuple_(order, key) > tuple_(literal(float(value), Float), literal(int(row_id)))


async def _rows(session: AsyncSession, stmt: Select[Any, float], *, flat: bool = False
                ) -> list[tuple[Any, float]]:
    """(item, value) of each row of a statement selecting an item, then a value; `flat`: the
    statement selects columns, then the value, and the item is the row itself."""
    result = (await session.execute(stmt)).all()
    if flat:
        return [(row, float(row[-1])) for row in result]
    return [(row, float(value)) for row, value in result]


async def _knn_then_exact(session: AsyncSession, search: _Search) -> list[tuple[Any, float]]:
    point = dialects.point(search.near.lng, search.near.lat)
    geog, point_geog = dialects.geography(search.location), dialects.geography(point)
    distance = search.distance(point)
    after_cursor = search.after_clause(distance)
    # 1. KNN on the geography index (sphere distances): the `limit` nearest after the cursor.
    sphere = geog.op("<->", return_type=Float)(point_geog)
    knn = (select(sphere.label("sd")).where(and_(*search.where, after_cursor))
           .order_by(sphere).limit(search.limit).subquery())
    # 2. Every geodesic top-`limit` row lies within the sphere bound widened by the slack.
    bound = func.least(search.radius_m,
                       select(func.max(knn.c.sd)).scalar_subquery() * _SPHERE_SLACK)
    stmt = (
        search.select(distance.label("distance"))
        .where(and_(*search.where, after_cursor, func.ST_DWithin(geog, point_geog, bound),
                    distance <= search.radius_m))
        .order_by(distance, search.key)
        .limit(search.limit)
    )
    return await _rows(session, stmt, flat=search.columns is not None)


async def _expanding_rings(session: AsyncSession, search: _Search
                           ) -> list[tuple[Any, float]]:
    distance = search.distance(dialects.point(search.near.lng, search.near.lat))
    after_cursor = search.after_clause(distance)
    start = float(search.after[0]) * 1.5 if search.after else 0.0
    ring = min(search.radius_m, max(_FIRST_RING_M, start))
    while True:
        # Every point within `ring` lies in the ring's box, so R*Tree candidates are complete.
        box = dialects.in_box(search.location, circle_bbox(search.near, ring))
        stmt = (
            search.select(distance.label("distance"))
            .where(and_(*search.where, after_cursor, box, distance <= ring))
            .order_by(distance, search.key)
            .limit(search.limit)
        )
        rows = await _rows(session, stmt, flat=search.columns is not None)
        if len(rows) >= search.limit or ring >= search.radius_m:
            return rows
        ring = min(search.radius_m, ring * 4)


_Strategy = Callable[[AsyncSession, _Search], Awaitable[list[tuple[Any, float]]]]
_NEAREST: dict[str, _Strategy] = {"postgresql": _knn_then_exact, "sqlite": _expanding_rings}


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def nearest(
    *, session: AsyncSession, entity: type[T],
    location: QueryableAttribute[Any] | ColumnElement[Any], near: GeoPoint, radius_m: float,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (), after: tuple[float, int] | None = None,
    columns: Sequence[Any] | None = None,
) -> list[tuple[Any, float]]:
    """Up to `limit` rows of entity whose point `location` lies within radius_m of near,
    nearest first (ties by primary key), each with its geodesic distance in metres; only
    rows matching `where`, and after a (distance, id) cursor when one is given. With
    `columns` (of the entity's table, its key among them) each item is a row of those
    columns and the distance (Core rows: no ORM object, no ORM execution when `location`
    and `where` are table columns too)."""
    (key,) = inspect(entity).primary_key
    search = _Search(entity=entity, columns=None if columns is None else tuple(columns),
                     location=location,
                     key=key, near=near, radius_m=radius_m, limit=limit, where=tuple(where),
                     after=after)
    return await _NEAREST[_dialect(session)](session, search)


async def _ordered_from_index(session: AsyncSession, stmt: Select[Any, float], offset: Any,
                              key: Any, want: int, flat: bool) -> list[tuple[Any, float]]:
    """The first `want` rows by (offset, key), reading only about `want` rows: PostgreSQL
    orders by `<->` straight from the GiST index but not by a second key, so rows are taken
    by offset alone, with slack, until no tie straddles the cut, then sorted by key too."""
    limit = want + 16
    while True:
        found = await _rows(session, stmt.order_by(offset).limit(limit), flat=flat)
        if len(found) < limit or found[want - 1][1] < found[-1][1]:
            break
        limit *= 4
    name = key.key  # the key's attribute on an entity and on a row of columns alike
    found.sort(key=lambda row: (row[1], getattr(row[0], name)))
    return found[:want]


async def _ordered(session: AsyncSession, stmt: Select[Any, float], offset: Any, key: Any,
                   want: int, flat: bool) -> list[tuple[Any, float]]:
    return await _rows(session, stmt.order_by(offset, key).limit(want), flat=flat)


_Ordering = Callable[[AsyncSession, Select[Any, float], Any, Any, int, bool],
                     Awaitable[list[tuple[Any, float]]]]
_CLOSEST: dict[str, _Ordering] = {"postgresql": _ordered_from_index, "sqlite": _ordered}


async def closest_to_centre(*, session: AsyncSession, stmt: Select[Any, float],
                            offset: ColumnElement[float], key: Any, want: int,
                            flat: bool = False) -> list[tuple[Any, float]]:
    """The first `want` rows of stmt (which selects an entity and `offset`; `flat`: columns,
    then `offset`) by (offset, key): `offset` is a dialects.PlanarOffset from the centre."""
    return await _CLOSEST[_dialect(session)](session, stmt, offset, key, want, flat)
