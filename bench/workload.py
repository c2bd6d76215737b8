"""The measured queries: GraphQL texts, query points and boxes, and the service's own SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench import httpclient
from bench.config import Config
from core.paging import PageRequest
from geo.geometry import BBox, GeoPoint
from geo.service import DestinationFilter
from geo.synthetic import synthetic_points

NEARBY = "nearby"
AREA = "area"
#: The fields asked of every destination, for us, the bare app and tipg alike.
NODE_FIELDS = "node { id name location { lat lng } }"

#: Values no real request uses, to find which bound parameters carry the point and the box.
_SENTINEL_POINT = GeoPoint(lat=11.123457, lng=107.654321)
_SENTINEL_BOX = BBox(west=104.111111, south=12.222222, east=104.333333, north=12.444444)


def nearby_query(cfg: Config) -> str:
    """The nearbyDestinations operation, the point as a variable."""
    return ("query Nearby($near: GeoPointInput!) { nearbyDestinations(near: $near, "
            f"radiusMeters: {cfg.radius_m:.0f}, first: {cfg.nearby_first}) "
            f"{{ edges {{ distanceMeters {NODE_FIELDS} }} }} }}")


def area_query(cfg: Config) -> str:
    """The destinationsInArea operation, the box as a variable."""
    return ("query Area($bbox: BBoxInput!) { destinationsInArea(bbox: $bbox, "
            f"first: {cfg.area_first}) {{ edges {{ {NODE_FIELDS} }} }} }}")


@dataclass(frozen=True)
class Workload:
    """Query points over Vietnam's land (fixed seed) and the boxes centred on them."""

    points: list[GeoPoint]
    boxes: list[BBox]

    @classmethod
    def make(cls, cfg: Config) -> Workload:
        """The points and boxes of a run (the same for every server)."""
        points = [GeoPoint(lat=lat, lng=lng)
                  for lat, lng in synthetic_points(cfg.query_points, seed=cfg.query_seed)]
        half = cfg.bbox_side_deg / 2
        boxes = [BBox(round(p.lng - half, 6), round(p.lat - half, 6),
                      round(p.lng + half, 6), round(p.lat + half, 6)) for p in points]
        return cls(points=points, boxes=boxes)

    def graphql(self, cfg: Config, kind: str, port: int, start: int, count: int) -> list[bytes]:
        """count POST /graphql requests of a kind, from query point `start` on (cycling)."""
        out = []
        for i in range(start, start + count):
            j = i % len(self.points)
            if kind == NEARBY:
                p = self.points[j]
                payload = {"query": nearby_query(cfg),
                           "variables": {"near": {"lat": p.lat, "lng": p.lng}}}
            else:
                b = self.boxes[j]
                payload = {"query": area_query(cfg), "variables": {"bbox": {
                    "west": b.west, "south": b.south, "east": b.east, "north": b.north}}}
            out.append(httpclient.post_json(port, "/graphql", payload))
        return out

    def tipg(self, cfg: Config, collection: str, port: int, start: int,
             count: int) -> list[bytes]:
        """count GET items requests of tipg over the same boxes, asking only for `name`."""
        out = []
        for i in range(start, start + count):
            b = self.boxes[i % len(self.boxes)]
            target = (f"/collections/{collection}/items?bbox={b.west},{b.south},{b.east},"
                      f"{b.north}&limit={cfg.area_first}&properties=name")
            out.append(httpclient.get(port, target, accept="application/geo+json"))
        return out


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def with_centre(box: dict[str, float]) -> dict[str, float]:
    """A box's roles plus its centre (the area query orders from it)."""
    return {**box, "c_lng": (box["west"] + box["east"]) / 2,
            "c_lat": (box["south"] + box["north"]) / 2}


def _slots(params: dict[str, Any], wanted: dict[str, float]) -> dict[str, str]:
    """Which bound parameter carries which role, found by its sentinel value."""
    slots = {name: role for name, value in params.items() for role, sentinel in wanted.items()
             if isinstance(value, float) and value == sentinel}
    missing = set(wanted) - set(slots.values())
    if missing:
        raise RuntimeError(f"no bound parameter carries {sorted(missing)}: {params}")
    return slots


async def capture_sql(url: str, cfg: Config) -> dict[str, Any]:
    """The SQL that geo.spatial issues for both queries, with their parameters and slots."""
    from api.db import make_async_engine, make_session_factory
    from geo import spatial

    engine = make_async_engine(url, pool_size=1)
    seen: list[tuple[str, dict[str, Any]]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        seen.append((statement, dict(parameters or {})))

    spec: dict[str, Any] = {}
    try:
        async with make_session_factory(engine)() as session:
            flt = DestinationFilter()
            seen.clear()
            await spatial.nearby_destinations(
                session=session, near=_SENTINEL_POINT, radius_m=cfg.radius_m, flt=flt,
                page=PageRequest(first=cfg.nearby_first))
            spec[NEARBY] = _statement(seen, {"lat": _SENTINEL_POINT.lat,
                                             "lng": _SENTINEL_POINT.lng}, cfg.nearby_first)
            seen.clear()
            await spatial.destinations_in_area(
                session=session, bbox=_SENTINEL_BOX, area=None, flt=flt,
                page=PageRequest(first=cfg.area_first))
            b = _SENTINEL_BOX
            spec[AREA] = _statement(seen, with_centre({"west": b.west, "south": b.south,
                                                       "east": b.east, "north": b.north}),
                                    cfg.area_first)
    finally:
        await engine.dispose()
    return spec


def _statement(seen: list[tuple[str, dict[str, Any]]], wanted: dict[str, float],
               first: int) -> dict[str, Any]:
    if len(seen) != 1:
        raise RuntimeError(f"expected one statement, saw {len(seen)}: {seen}")
    sql, params = seen[0]
    return {"sql": sql, "params": {k: _jsonable(v) for k, v in params.items()},
            "slots": _slots(params, wanted), "first": first}


def write_spec(spec: dict[str, Any], path: Path) -> Path:
    """Save the captured SQL for the bare app."""
    path.write_text(json.dumps(spec, indent=1))
    return path
