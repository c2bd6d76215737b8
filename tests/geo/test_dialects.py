"""The dialect-compiled SQL functions: their spelling per dialect, and their answers on both
databases against independent references (GeographicLib, plain arithmetic)."""

from __future__ import annotations

import math
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from geo import dialects
from geo.geometry import BBox
from geo.models import Destination
from tests.reference import geodesic_m

BOX = BBox(106.5, 10.8, 106.8, 11.2)


def sql(expr: object, dialect: object) -> str:
    return str(select(expr).compile(dialect=dialect))  # type: ignore[call-overload]


@pytest.mark.parametrize(("expr", "postgis", "spatialite"), [
    (dialects.point(1.0, 2.0), "ST_SetSRID(ST_MakePoint(", "MakePoint("),
    (dialects.from_wkt("POINT(1 2)", "w"), "ST_GeomFromText(", "GeomFromText("),
    (dialects.GeodesicDistance(Destination.location, dialects.point(1.0, 2.0)),
     "ST_Distance(CAST(destination.location AS geography), CAST(", "ST_Distance(destination"),
    (dialects.LineLocatePoint(dialects.from_wkt("LINESTRING(0 0, 1 1)", "w"),
                              Destination.location), "ST_LineLocatePoint(",
     "ST_Line_Locate_Point("),
    (dialects.in_box(Destination.location, BOX), "ST_Intersects(destination.location, "
     "ST_MakeEnvelope(", "destination.id IN (SELECT idx_destination_location.pkid"),
    (dialects.planar_offset(Destination.location, 1.0, 2.0), "destination.location <-> "
     "ST_SetSRID(ST_MakePoint(", "sqrt((ST_X(destination.location) - "),
], ids=["point", "wkt", "distance", "line_locate", "in_box", "planar_offset"])
def test_each_function_is_spelled_per_dialect(expr: object, postgis: str,
                                              spatialite: str) -> None:
    assert postgis in sql(expr, postgresql.dialect())
    assert spatialite in sql(expr, sqlite.dialect())
    assert not re.search(r"(?<!\w)" + re.escape(spatialite), sql(expr, postgresql.dialect()))


def test_predicates_are_never_compared_to_one_on_sqlite() -> None:
    """SQLite has no boolean type: a predicate must stay a predicate (the R*Tree lookup is a
    rowid IN (...) the planner sees), not `(...) = 1`."""
    stmt = select(Destination.id).where(Destination.status == "published",
                                        dialects.in_box(Destination.location, BOX))
    text = str(stmt.compile(dialect=sqlite.dialect()))
    assert "= 1" not in text
    assert "(destination.id IN (SELECT idx_destination_location.pkid" in text


def test_values_stay_bound_parameters() -> None:
    compiled = select(dialects.in_box(Destination.location, BOX)).compile(
        dialect=postgresql.dialect())
    assert "106.5" not in str(compiled)
    assert {106.5, 10.8, 106.8, 11.2} <= set(compiled.params.values())


async def test_geodesic_distance_matches_geographiclib(session: AsyncSession) -> None:
    a = dialects.point(106.6519, 10.9804, name="a")
    b = dialects.point(105.6813, 18.6796, name="b")
    metres = (await session.execute(select(dialects.GeodesicDistance(a, b)))).scalar_one()
    assert metres == pytest.approx(geodesic_m(10.9804, 106.6519, 18.6796, 105.6813), rel=1e-6)


async def test_line_locate_point_gives_the_fraction_along_the_line(
        session: AsyncSession) -> None:
    line = dialects.from_wkt("LINESTRING(106 10, 107 10)", "line")
    fraction = (await session.execute(select(dialects.LineLocatePoint(
        line, dialects.point(106.25, 10.001))))).scalar_one()
    assert fraction == pytest.approx(0.25, abs=1e-6)


@pytest.mark.parametrize("boxes", [(BOX, BBox(105.5, 18.5, 105.8, 18.9))])
async def test_in_box_and_planar_offset_agree_with_plain_arithmetic(
        session: AsyncSession, boxes: tuple[BBox, ...]) -> None:
    """Two boxes one after the other: the second statement comes from the compiled cache and
    must still bind its own edges everywhere they are used."""
    everything = (await session.execute(
        select(Destination.id, Destination.lng, Destination.lat))).all()
    for box in boxes:
        inside = {i for i, lng, lat in everything
                  if box.west <= lng <= box.east and box.south <= lat <= box.north}
        assert inside and len(inside) < len(everything)
        in_box = dialects.in_box(Destination.location, box)
        found = set((await session.execute(select(Destination.id).where(in_box))).scalars())
        assert found == inside
        outside = set((await session.execute(
            select(Destination.id).where(~in_box))).scalars())
        assert outside == {i for i, _, _ in everything} - inside
        centre = ((box.west + box.east) / 2, (box.south + box.north) / 2)
        offset = dialects.planar_offset(Destination.location, *centre)
        for i, value, lng, lat in (await session.execute(select(
                Destination.id, offset, Destination.lng, Destination.lat).where(in_box))):
            assert value == pytest.approx(math.hypot(lng - centre[0], lat - centre[1]),
                                          abs=1e-9), i


async def test_near_candidates_hold_every_point_within_the_distance(
        session: AsyncSession) -> None:
    line = dialects.from_wkt("LINESTRING(106.6 10.9, 106.7 11.1)", "route")
    distance = dialects.GeodesicDistance(Destination.location, line)
    exact = set((await session.execute(
        select(Destination.id).where(distance <= 5_000.0))).scalars())
    assert exact
    box = BBox(106.5, 10.8, 106.8, 11.2)  # holds every point within 5 km of the line
    candidates = dialects.near_candidates(Destination.location, line, 5_000.0, box)
    through_index = set((await session.execute(
        select(Destination.id).where(candidates, distance <= 5_000.0))).scalars())
    assert through_index == exact
    assert (await session.execute(select(func.count()).where(candidates))).scalar_one() >= \
        len(exact)
