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

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute

from core.kept import kept
from core.row_reads import RowReads, RowSource
from geo import dialects
from geo.geometry import BBox, GeoPoint, circle_bbox

T = TypeVar("T")

#: Geodesic/spherical distance ratios lie in [0.9944, 1.0045] on WGS84; this bound is looser.
_SPHERE_SLACK = 1.01 / 0.99
#: First ring of the SpatiaLite nearest-first search, in metres.
_FIRST_RING_M = 2_000.0
#: A search's values, each bound by name: a statement of one shape serves every search.
_LIMIT = "row_limit"
_RADIUS = "radius_m"
_RING = "ring_m"
_NOWHERE = BBox(0.0, 0.0, 0.0, 0.0)  # a box bound per search (dialects.in_box's `name`)


def after(order: Any, key: Any, cursor: Sequence[Any] | None) -> Any:
    """The rows that come after a (value, id) cursor in the order (order, key), the cursor
    bound as `after_value` and `after_id` (after_params)."""
    if cursor is None:
        return literal(True)
    value, row_id = cursor
    return tuple_(order, key) > tuple_(bindparam("after_value", float(value), type_=Float),
                                       bindparam("after_id", int(row_id), type_=Integer))


def after_params(cursor: Sequence[Any] | None) -> dict[str, Any]:
    """The bound values of `after` for a cursor (none without one)."""
    if cursor is None:
        return {}
    return {"after_value": float(cursor[0]), "after_id": int(cursor[1])}


def limit_param(limit: int) -> dict[str, int]:
    """The bound value of a statement's LIMIT (`row_limit`)."""
    return {_LIMIT: limit}


_LIMITED = bindparam(_LIMIT, 1, type_=Integer)


async def _rows(session: RowSource, stmt: Select[Any], params: dict[str, Any], *,
                flat: bool = False) -> list[tuple[Any, float]]:
    """(item, value) of each row of a statement selecting an item, then a value; `flat`: the
    statement selects columns, then the value, and the item is the row itself (a reader of
    rows, RowReads, reads only such statements)."""
    if isinstance(session, RowReads):
        if not flat:
            raise TypeError("RowReads reads rows of columns, not ORM objects")
        return [(row, float(row[-1])) for row in await session.rows(stmt, params)]
    result = (await session.execute(stmt, params)).all()
    if flat:
        return [(row, float(row[-1])) for row in result]
    return [(row, float(value)) for row, value in result]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the SQL of a nearest-first search depends on (its values are bound apart)."""

    selected: tuple[Any, ...]  # the entity, or columns of its table (then rows are flat)
    flat: bool
    location: Any
    key: Any
    has_after: bool


def _distance(shape: _Shape) -> tuple[Any, ColumnElement[float], Any]:
    point = dialects.point(0.0, 0.0)  # bound per search as pt_lng, pt_lat
    distance = dialects.GeodesicDistance(shape.location, point)
    return point, distance, after(distance, shape.key, (0.0, 0) if shape.has_after else None)


def _knn_statement(shape: _Shape, where: tuple[Any, ...]) -> Select[Any]:
    point, distance, after_cursor = _distance(shape)
    geog, point_geog = dialects.geography(shape.location), dialects.geography(point)
    radius = bindparam(_RADIUS, 0.0, type_=Float)
    # 1. KNN on the geography index (sphere distances): the `limit` nearest after the cursor.
    sphere = geog.op("<->", return_type=Float)(point_geog)
    knn = (select(sphere.label("sd")).where(and_(*where, after_cursor))
           .order_by(sphere).limit(_LIMITED).subquery())
    # 2. Every geodesic top-`limit` row lies within the sphere bound widened by the slack.
    bound = func.least(radius, select(func.max(knn.c.sd)).scalar_subquery() * _SPHERE_SLACK)
    return (select(*shape.selected, distance.label("distance"))
            .where(and_(*where, after_cursor, func.ST_DWithin(geog, point_geog, bound),
                        distance <= radius))
            .order_by(distance, shape.key).limit(_LIMITED))


def _ring_statement(shape: _Shape, where: tuple[Any, ...]) -> Select[Any]:
    _point, distance, after_cursor = _distance(shape)
    # Every point within the ring lies in the ring's box, so R*Tree candidates are complete.
    box = dialects.in_box(shape.location, _NOWHERE, name="ring")
    return (select(*shape.selected, distance.label("distance"))
            .where(and_(*where, after_cursor, box,
                        distance <= bindparam(_RING, 0.0, type_=Float)))
            .order_by(distance, shape.key).limit(_LIMITED))


@dataclass(frozen=True, slots=True)
class _Search:
    """One nearest-first search: what the strategies of each dialect are given."""

    shape: _Shape
    where: Callable[[], tuple[Any, ...]]  # made only when the statement is
    where_key: Hashable | None  # stands for `where`: the statement is kept when given
    near: GeoPoint
    radius_m: float
    limit: int
    after: tuple[float, int] | None

    def statement(self, build: Callable[[_Shape, tuple[Any, ...]], Select[Any]]
                  ) -> Select[Any]:
        """The search's statement, kept by shape when its where clauses have a key."""
        if self.where_key is None:
            return build(self.shape, self.where())
        return kept((build, self.where_key, self.shape),
                    lambda: build(self.shape, self.where()))

    def params(self) -> dict[str, Any]:
        """The values of every statement of the search but the ring's."""
        return {"pt_lng": self.near.lng, "pt_lat": self.near.lat, _RADIUS: self.radius_m,
                **limit_param(self.limit), **after_params(self.after)}


async def _knn_then_exact(session: RowSource, search: _Search) -> list[tuple[Any, float]]:
    return await _rows(session, search.statement(_knn_statement), search.params(),
                       flat=search.shape.flat)


async def _expanding_rings(session: RowSource, search: _Search
                           ) -> list[tuple[Any, float]]:
    stmt = search.statement(_ring_statement)
    start = float(search.after[0]) * 1.5 if search.after else 0.0
    ring = min(search.radius_m, max(_FIRST_RING_M, start))
    while True:
        params = {**search.params(), _RING: ring,
                  **dialects.box_params("ring", circle_bbox(search.near, ring))}
        rows = await _rows(session, stmt, params, flat=search.shape.flat)
        if len(rows) >= search.limit or ring >= search.radius_m:
            return rows
        ring = min(search.radius_m, ring * 4)


_Strategy = Callable[[RowSource, _Search], Awaitable[list[tuple[Any, float]]]]
_NEAREST: dict[str, _Strategy] = {"postgresql": _knn_then_exact, "sqlite": _expanding_rings}


def _dialect(session: RowSource) -> str:
    if isinstance(session, RowReads):
        return session.dialect_name
    return session.get_bind().dialect.name


async def nearest(
    *, session: RowSource, entity: type[T],
    location: QueryableAttribute[Any] | ColumnElement[Any], near: GeoPoint, radius_m: float,
    limit: int,
    where: Sequence[ColumnElement[bool]] | Callable[[], Sequence[ColumnElement[bool]]] = (),
    after: tuple[float, int] | None = None,
    columns: Sequence[Any] | None = None, where_key: Hashable | None = None,
) -> list[tuple[Any, float]]:
    """Up to `limit` rows of entity whose point `location` lies within radius_m of near,
    nearest first (ties by primary key), each with its geodesic distance in metres; only
    rows matching `where` (or what it makes, when the statement is made), and after a
    (distance, id) cursor when one is given. With
    `columns` (of the entity's table, its key among them) each item is a row of those
    columns and the distance (Core rows: no ORM object, no ORM execution when `location`
    and `where` are table columns too). `where_key`: a hashable that stands for `where`
    (the same key, the same clauses): the statement is then made once and reused."""
    (key,) = inspect(entity).primary_key
    shape = _Shape(selected=(entity,) if columns is None else tuple(columns),
                   flat=columns is not None, location=location, key=key,
                   has_after=after is not None)
    search = _Search(shape=shape, where=lambda: tuple(where() if callable(where) else where),
                     where_key=where_key, near=near, radius_m=radius_m, limit=limit,
                     after=after)
    return await _NEAREST[_dialect(session)](session, search)


def _by_offset(stmt: Select[Any], offset: Any) -> Select[Any]:
    return stmt.order_by(offset).limit(_LIMITED)


def _by_offset_and_key(stmt: Select[Any], offset: Any, key: Any) -> Select[Any]:
    return stmt.order_by(offset, key).limit(_LIMITED)


async def _ordered_from_index(session: RowSource, stmt: Select[Any], params: dict[str, Any],
                              offset: Any, key: Any, want: int, flat: bool
                              ) -> list[tuple[Any, float]]:
    """The first `want` rows by (offset, key), reading only about `want` rows: PostgreSQL
    orders by `<->` straight from the GiST index but not by a second key, so rows are taken
    by offset alone, with slack, until no tie straddles the cut, then sorted by key too."""
    ordered = kept((_by_offset, stmt, offset), lambda: _by_offset(stmt, offset))
    limit = want + 16
    while True:
        found = await _rows(session, ordered, {**params, **limit_param(limit)}, flat=flat)
        if len(found) < limit or found[want - 1][1] < found[-1][1]:
            break
        limit *= 4
    name = key.key  # the key's attribute on an entity and on a row of columns alike
    found.sort(key=lambda row: (row[1], getattr(row[0], name)))
    return found[:want]


async def _ordered(session: RowSource, stmt: Select[Any], params: dict[str, Any],
                   offset: Any, key: Any, want: int, flat: bool) -> list[tuple[Any, float]]:
    ordered = kept((_by_offset_and_key, stmt, offset, key),
                   lambda: _by_offset_and_key(stmt, offset, key))
    return await _rows(session, ordered,
                       {**params, **limit_param(want)}, flat=flat)


_Ordering = Callable[[RowSource, Select[Any], dict[str, Any], Any, Any, int, bool],
                     Awaitable[list[tuple[Any, float]]]]
_CLOSEST: dict[str, _Ordering] = {"postgresql": _ordered_from_index, "sqlite": _ordered}


async def closest_to_centre(*, session: RowSource, stmt: Select[Any],
                            params: dict[str, Any], offset: ColumnElement[float], key: Any,
                            want: int, flat: bool = False) -> list[tuple[Any, float]]:
    """The first `want` rows of stmt (which selects an entity and `offset`; `flat`: columns,
    then `offset`) with its bound values `params`, by (offset, key): `offset` is a
    dialects.PlanarOffset from the centre. A statement made by `kept` stays one object
    ordered and limited too."""
    return await _CLOSEST[_dialect(session)](session, stmt, params, offset, key, want, flat)
