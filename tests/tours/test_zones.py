"""Trigger zones of stops and `stopsAt`: circles decided by the WGS84 geodesic (checked against
GeographicLib, at high latitude, around a pole and across the antimeridian), polygons with a
hole or a concave shape (checked against shapely), the same answers on both databases, coded
refusals that write nothing, and the demo walking site answering over GraphQL."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest
from geographiclib.geodesic import Geodesic
from shapely.geometry import Point, shape
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts.permissions import ANONYMOUS, Actor, AuthenticationRequired, PermissionDenied, Role
from api.types.common import to_global_id
from core.errors import DomainError
from core.paging import PageRequest
from geo.geometry import GeoPoint
from geo.models import Destination
from media.store import LocalStore
from qr.demo import DEMO_ZONES, load_demo_guides
from tests.accounts.helpers import add_person, codes, gql
from tests.conftest import ROOT, StatementCounter, query_plans
from tests.reference import geodesic_m
from tours import stops, zones
from tours.models import Stop

STAFF = Actor(role=Role.EDITOR, account_id=1)
#: How far on either side of a circle's edge the probes stand, in metres.
EDGE_M = 0.01
AZIMUTHS = [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0]

# (what, centre lat, centre lng, radius m)
CIRCLES = [
    ("Longyearbyen, 78° N", 78.2232, 15.6267, 300.0),
    ("Taveuni, on the antimeridian", -16.79, 179.999, 500.0),
    ("Taveuni, west of the antimeridian", -16.80, -179.9985, 400.0),
    ("around the North Pole", 89.995, 45.0, 2000.0),
    ("Thủ Dầu Một, smallest radius", 10.9790, 106.6540, 5.0),
    ("McMurdo, 77.8° S, largest radius", -77.846, 166.676, 5000.0),
]


def _at(lat: float, lng: float, azimuth: float, metres: float) -> tuple[float, float]:
    """The position metres from (lat, lng) along an azimuth, by GeographicLib (lng in ±180)."""
    found = Geodesic.WGS84.Direct(lat, lng, azimuth, metres)
    return float(found["lat2"]), float(found["lon2"])


async def _stop(session: AsyncSession, title: str = "Điểm dừng thử") -> Stop:
    destination = (await session.execute(
        select(Destination).where(Destination.slug == "khu-di-tich-kim-lien"))).scalar_one()
    return await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=destination.id, title={"vi": title, "en": "Test stop"}))


async def _ids_at(session: AsyncSession, lat: float, lng: float, first: int = 100
                  ) -> list[tuple[int, float]]:
    found = await zones.stops_at(session=session, point=GeoPoint(lat=lat, lng=lng),
                                 page=PageRequest(first=first))
    return [(stop.id, metres) for stop, metres in found.items]


@pytest.mark.parametrize(("what", "lat", "lng", "radius"), CIRCLES, ids=[c[0] for c in CIRCLES])
async def test_a_circle_holds_what_the_geodesic_says_just_inside_and_just_outside(
    session: AsyncSession, what: str, lat: float, lng: float, radius: float,
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=zones.ZoneInput(
        center=GeoPoint(lat=lat, lng=lng), radius_m=radius))
    for azimuth in AZIMUTHS:
        for offset, inside in ((-EDGE_M, True), (EDGE_M, False)):
            plat, plng = _at(lat, lng, azimuth, radius + offset)
            reference = geodesic_m(lat, lng, plat, plng)
            assert (reference <= radius) is inside  # the probe is where it should be
            found = await _ids_at(session, plat, plng)
            assert [i for i, _ in found] == ([stop.id] if inside else []), (azimuth, offset)
            if inside:
                assert found[0][1] == pytest.approx(reference, abs=1e-4)


async def test_a_circle_across_the_antimeridian_is_found_from_both_sides(
    session: AsyncSession,
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=zones.ZoneInput(
        center=GeoPoint(lat=-16.79, lng=180.0), radius_m=1000.0))
    west, east = _at(-16.79, 180.0, 270.0, 900.0), _at(-16.79, 180.0, 90.0, 900.0)
    assert west[1] > 179.99 and east[1] < -179.99  # one on each side of ±180°
    for lat, lng in (west, east, (-16.79, -180.0), (-16.79, 180.0)):
        assert [i for i, _ in await _ids_at(session, lat, lng)] == [stop.id]
    assert await _ids_at(session, *_at(-16.79, 180.0, 90.0, 1100.0)) == []


# A U opening north (concave) and a square with a square hole, near Kim Liên; [lng, lat].
U_SHAPE = {"type": "Polygon", "coordinates": [[
    [105.530, 18.700], [105.536, 18.700], [105.536, 18.706], [105.534, 18.706],
    [105.534, 18.702], [105.532, 18.702], [105.532, 18.706], [105.530, 18.706],
    [105.530, 18.700]]]}
WITH_HOLE = {"type": "Polygon", "coordinates": [
    [[105.540, 18.700], [105.546, 18.700], [105.546, 18.706], [105.540, 18.706],
     [105.540, 18.700]],
    [[105.542, 18.702], [105.542, 18.704], [105.544, 18.704], [105.544, 18.702],
     [105.542, 18.702]]]}


@pytest.mark.parametrize(("polygon", "inside", "outside"), [
    (U_SHAPE, [(105.531, 18.705), (105.535, 18.705), (105.533, 18.701), (105.530, 18.703),
               (105.533, 18.702)],  # the arms, the base, a west edge, the notch's floor
     [(105.533, 18.704), (105.533, 18.7059), (105.529, 18.703), (105.537, 18.701)]),
    (WITH_HOLE, [(105.541, 18.701), (105.545, 18.705), (105.541, 18.703),
                 (105.542, 18.703)],  # the ring, and the hole's edge
     [(105.543, 18.703), (105.5435, 18.7035), (105.547, 18.703)]),
], ids=["concave", "with a hole"])
async def test_a_polygon_holds_its_inside_and_boundary_not_its_notch_or_hole(
    session: AsyncSession, polygon: dict[str, Any], inside: list[tuple[float, float]],
    outside: list[tuple[float, float]],
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id,
                              zone=zones.ZoneInput(polygon=polygon))
    for lng, lat in inside:
        assert [i for i, _ in await _ids_at(session, lat, lng)] == [stop.id], (lng, lat)
    for lng, lat in outside:
        assert await _ids_at(session, lat, lng) == [], (lng, lat)


@pytest.mark.parametrize("polygon", [U_SHAPE, WITH_HOLE], ids=["concave", "with a hole"])
async def test_a_polygon_agrees_with_shapely_over_a_grid(
    session: AsyncSession, polygon: dict[str, Any],
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id,
                              zone=zones.ZoneInput(polygon=polygon))
    reference = shape(polygon)
    west, south, east, north = reference.bounds
    steps = 13
    disagreements = []
    for i in range(steps):
        for j in range(steps):
            lng = west - 0.0005 + (east - west + 0.001) * i / (steps - 1)
            lat = south - 0.0005 + (north - south + 0.001) * j / (steps - 1)
            expected = [stop.id] if reference.covers(Point(lng, lat)) else []
            if [k for k, _ in await _ids_at(session, lat, lng)] != expected:
                disagreements.append((lng, lat))
    assert disagreements == []


async def test_overlapping_zones_come_nearest_centre_first_and_page(session: AsyncSession
                                                                    ) -> None:
    here = (18.7030, 105.5500)
    made = []
    for metres, radius in ((40.0, 100.0), (10.0, 50.0), (25.0, 30.0)):
        stop = await _stop(session)
        centre = _at(*here, 30.0, metres)
        await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id,
                                  zone=zones.ZoneInput(center=GeoPoint(*centre), radius_m=radius))
        made.append((stop.id, geodesic_m(*here, *centre)))
    square = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=square.id, zone=zones.ZoneInput(
        polygon={"type": "Polygon", "coordinates": [[
            [105.5490, 18.7020], [105.5510, 18.7020], [105.5510, 18.7040],
            [105.5490, 18.7040], [105.5490, 18.7020]]]}))
    made.append((square.id, geodesic_m(*here, 18.7030, 105.5500)))  # its centroid is `here`
    expected = sorted(made, key=lambda row: (row[1], row[0]))
    found = await _ids_at(session, *here)
    assert [i for i, _ in found] == [i for i, _ in expected]
    for (_, got), (_, want) in zip(found, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-4)
    first = await zones.stops_at(session=session, point=GeoPoint(*here),
                                 page=PageRequest(first=2))
    assert first.has_next and [s.id for s, _ in first.items] == [i for i, _ in expected[:2]]
    rest = await zones.stops_at(session=session, point=GeoPoint(*here),
                                page=PageRequest(first=2, after=first.keys[-1]))
    assert not rest.has_next and [s.id for s, _ in rest.items] == [i for i, _ in expected[2:]]


async def test_stops_of_unpublished_sites_and_cleared_zones_are_not_found(
    session: AsyncSession,
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=zones.ZoneInput(
        center=GeoPoint(lat=18.71, lng=105.52), radius_m=50.0))
    assert [i for i, _ in await _ids_at(session, 18.71, 105.52)] == [stop.id]
    assert zones.zone_of(stop) == zones.Zone(kind=zones.ZoneKind.CIRCLE,
                                             center=GeoPoint(lat=18.71, lng=105.52),
                                             radius_m=50.0)
    await session.execute(update(Destination).where(Destination.id == stop.destination_id)
                          .values(status="draft"))
    assert await _ids_at(session, 18.71, 105.52) == []
    await session.execute(update(Destination).where(Destination.id == stop.destination_id)
                          .values(status="published"))
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=None)
    assert await _ids_at(session, 18.71, 105.52) == []
    assert zones.zone_of(stop) is None


def _ring(n: int) -> list[list[float]]:
    points = [[105.55 + 0.001 * math.cos(2 * math.pi * k / n),
               18.70 + 0.001 * math.sin(2 * math.pi * k / n)] for k in range(n)]
    return [*points, points[0]]


def _polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


SQUARE = [[105.55, 18.70], [105.551, 18.70], [105.551, 18.701], [105.55, 18.701],
          [105.55, 18.70]]
CENTRE = GeoPoint(lat=18.70, lng=105.55)
REFUSED = [
    ("radius under 5 m", zones.ZoneInput(center=CENTRE, radius_m=4.99), "INVALID_ZONE_RADIUS"),
    ("radius over 5 km", zones.ZoneInput(center=CENTRE, radius_m=5000.01),
     "INVALID_ZONE_RADIUS"),
    ("radius NaN", zones.ZoneInput(center=CENTRE, radius_m=math.nan), "INVALID_ZONE_RADIUS"),
    ("radius infinite", zones.ZoneInput(center=CENTRE, radius_m=math.inf),
     "INVALID_ZONE_RADIUS"),
    ("latitude 91", zones.ZoneInput(center=GeoPoint(lat=91.0, lng=105.0), radius_m=50.0),
     "INVALID_COORDINATES"),
    ("longitude -180.5", zones.ZoneInput(center=GeoPoint(lat=18.0, lng=-180.5), radius_m=50.0),
     "INVALID_COORDINATES"),
    ("nothing", zones.ZoneInput(), "INVALID_ZONE"),
    ("a centre without a radius", zones.ZoneInput(center=CENTRE), "INVALID_ZONE"),
    ("a circle and a polygon", zones.ZoneInput(center=CENTRE, radius_m=50.0,
                                               polygon=_polygon(SQUARE)), "INVALID_ZONE"),
    ("an unclosed ring", zones.ZoneInput(polygon=_polygon(SQUARE[:-1])), "INVALID_ZONE"),
    ("a self-intersecting bow tie", zones.ZoneInput(polygon=_polygon(
        [[105.55, 18.70], [105.551, 18.701], [105.551, 18.70], [105.55, 18.701],
         [105.55, 18.70]])), "INVALID_GEOMETRY"),
    ("a hole outside its shell", zones.ZoneInput(polygon=_polygon(
        SQUARE, [[105.56, 18.70], [105.561, 18.70], [105.561, 18.701], [105.56, 18.70]])),
     "INVALID_GEOMETRY"),
    ("501 positions", zones.ZoneInput(polygon=_polygon(_ring(500))), "ZONE_TOO_COMPLEX"),
    ("a latitude out of range", zones.ZoneInput(polygon=_polygon(
        [[105.55, 89.9], [105.551, 90.1], [105.552, 89.9], [105.55, 89.9]])),
     "INVALID_COORDINATES"),
    ("a MultiPolygon", zones.ZoneInput(polygon={"type": "MultiPolygon",
                                                "coordinates": [[SQUARE]]}), "INVALID_ZONE"),
    ("a LineString", zones.ZoneInput(polygon={"type": "LineString", "coordinates": SQUARE}),
     "INVALID_GEOJSON"),
    ("not GeoJSON", zones.ZoneInput(polygon={"type": "Polygon"}), "INVALID_GEOJSON"),
    ("wider than a site", zones.ZoneInput(polygon=_polygon(
        [[105.50, 18.70], [105.60, 18.70], [105.60, 18.71], [105.50, 18.70]])),
     "INVALID_ZONE"),
    ("across the antimeridian", zones.ZoneInput(polygon=_polygon(
        [[179.999, -16.79], [-179.999, -16.79], [-179.999, -16.78], [179.999, -16.79]])),
     "INVALID_ZONE"),
]


async def _stored(session: AsyncSession, stop_id: int) -> tuple[Any, ...]:
    row = (await session.execute(select(
        Stop.zone_kind, Stop.zone_radius_m, Stop.zone_lat, Stop.zone_lng, Stop.zone,
        Stop.updated_at).where(Stop.id == stop_id))).one()
    return (*row[:4], row[4].desc if row[4] is not None else None, row[5])


@pytest.mark.parametrize(("what", "given", "code"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_a_bad_zone_is_refused_with_its_code_and_changes_nothing(
    session: AsyncSession, what: str, given: zones.ZoneInput, code: str,
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=zones.ZoneInput(
        center=CENTRE, radius_m=30.0))
    before = await _stored(session, stop.id)
    assert before[0] == "circle"
    with pytest.raises(DomainError) as refused:
        await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=given)
    assert refused.value.code == code
    assert refused.value.field is not None and refused.value.field.startswith("zone")
    await session.flush()
    assert await _stored(session, stop.id) == before
    assert [i for i, _ in await _ids_at(session, CENTRE.lat, CENTRE.lng)] == [stop.id]


async def test_the_largest_zones_allowed_are_accepted(session: AsyncSession) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id,
                              zone=zones.ZoneInput(polygon=_polygon(_ring(499))))
    assert (await _stored(session, stop.id))[0] == "polygon"
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id,
                              zone=zones.ZoneInput(center=CENTRE, radius_m=5000.0))
    assert (await _stored(session, stop.id))[:2] == ("circle", 5000.0)


@pytest.mark.parametrize("actor", [ANONYMOUS, Actor(role=Role.OWNER, account_id=9)])
async def test_only_staff_set_zones(session: AsyncSession, actor: Actor) -> None:
    stop = await _stop(session)
    before = await _stored(session, stop.id)
    with pytest.raises((PermissionDenied, AuthenticationRequired)):
        await zones.set_stop_zone(session=session, actor=actor, stop_id=stop.id,
                                  zone=zones.ZoneInput(center=CENTRE, radius_m=30.0))
    assert await _stored(session, stop.id) == before
    with pytest.raises(DomainError) as missing:
        await zones.set_stop_zone(session=session, actor=STAFF, stop_id=999_999,
                                  zone=zones.ZoneInput(center=CENTRE, radius_m=30.0))
    assert missing.value.code == "STOP_NOT_FOUND"


# 20 000 circle zones of 100 m over Vietnam, as set_stop_zone would store them.
BULK_POSTGIS = """
INSERT INTO stop (destination_id, position, title, text, zone_kind, zone_radius_m,
  zone_center, zone, created_at, updated_at)
SELECT {destination}, 10 + g, '{{"vi": "x"}}', '{{}}', 'circle', 100.0,
  ST_SetSRID(ST_MakePoint(x, y), 4326),
  ST_MakeEnvelope(x - 0.001, y - 0.001, x + 0.001, y + 0.001, 4326), now(), now()
FROM (SELECT g, 102 + random() * 8 AS x, 9 + random() * 14 AS y
      FROM generate_series(1, 20000) AS g) AS p
"""
BULK_SPATIALITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000),
p(n, x, y) AS (SELECT n, 102 + (abs(random()) % 8000000) / 1e6,
                      9 + (abs(random()) % 14000000) / 1e6 FROM g)
INSERT INTO stop (destination_id, position, title, text, zone_kind, zone_radius_m,
  zone_center, zone, created_at, updated_at)
SELECT {destination}, 10 + n, '{{"vi": "x"}}', '{{}}', 'circle', 100.0, MakePoint(x, y, 4326),
  BuildMbr(x - 0.001, y - 0.001, x + 0.001, y + 0.001, 4326), '2026-01-01', '2026-01-01'
FROM p
"""


async def test_stops_at_goes_through_the_spatial_index(
    session: AsyncSession, connection: AsyncConnection, backend: str,
    count_statements: StatementCounter,
) -> None:
    stop = await _stop(session)
    await zones.set_stop_zone(session=session, actor=STAFF, stop_id=stop.id, zone=zones.ZoneInput(
        center=GeoPoint(lat=18.67, lng=105.68), radius_m=50.0))
    bulk = BULK_POSTGIS if backend == "postgis" else BULK_SPATIALITE
    await connection.exec_driver_sql(bulk.format(destination=stop.destination_id))
    await connection.exec_driver_sql("ANALYZE stop" if backend == "postgis" else "ANALYZE")
    count_statements.statements.clear()
    count_statements.parameters.clear()
    found = await _ids_at(session, 18.67, 105.68, first=5)
    assert stop.id in [i for i, _ in found]
    plans = await query_plans(connection, backend, count_statements)
    index = "ix_stop_zone" if backend == "postgis" else "idx_stop_zone"
    assert all(index in plan for plan in plans), "\n".join(plans)
    assert all("Seq Scan on stop" not in plan for plan in plans), "\n".join(plans)


# -- over GraphQL, on the demo walking site ------------------------------------------------

STOPS_AT = """
query($point: GeoPointInput!, $first: Int, $after: String, $lang: String) {
  stopsAt(point: $point, first: $first, after: $after, lang: $lang) {
    edges { distanceMeters cursor
            node { id title { text lang } zone { kind center { lat lng } radiusMeters polygon }
                   qrCodes { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SET_ZONE = """
mutation($stop: ID!, $zone: StopZoneInput) {
  setStopZone(stopId: $stop, zone: $zone) {
    id zone { kind center { lat lng } radiusMeters polygon }
  }
}"""
COURTYARD = {"lat": 10.97903, "lng": 106.65408}  # README's example: inside both demo zones


@pytest.fixture
async def demo_guides(session: AsyncSession, tmp_path: Any) -> None:
    store = LocalStore(tmp_path / "media", public_base_url="http://testserver",
                       secret_key="k" * 40)
    assert await load_demo_guides(session=session, store=store) > 0
    await session.commit()


async def test_stops_at_on_the_demo_site_nearest_first_in_the_visitors_language(
    client: httpx.AsyncClient, demo_guides: None,
) -> None:
    # given a visitor in the courtyard of Chùa Bà Thiên Hậu, inside the gate's and the hall's
    body = await gql(client, STOPS_AT, {"point": COURTYARD, "lang": "en"})
    edges = body["data"]["stopsAt"]["edges"]
    # then the gate (9 m from its centre) comes before the main hall (14 m)
    assert [e["node"]["qrCodes"][0]["code"] for e in edges] == ["THAU22", "THAU23"]
    assert [e["node"]["title"] for e in edges] == [
        {"text": "The pagoda gate", "lang": "en"},
        {"text": "Main hall of Lady Thien Hau", "lang": "en"}]
    for edge, code in zip(edges, ("THAU22", "THAU23"), strict=True):
        lat, lng, radius = DEMO_ZONES[code]
        assert edge["distanceMeters"] == pytest.approx(
            geodesic_m(COURTYARD["lat"], COURTYARD["lng"], lat, lng), abs=1e-4)
        assert edge["node"]["zone"] == {"kind": "CIRCLE", "center": {"lat": lat, "lng": lng},
                                        "radiusMeters": radius, "polygon": None}
    # and in Vietnamese, one page at a time
    first = await gql(client, STOPS_AT, {"point": COURTYARD, "first": 1, "lang": "vi"})
    page = first["data"]["stopsAt"]
    assert page["edges"][0]["node"]["title"] == {"text": "Cổng chùa", "lang": "vi"}
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(client, STOPS_AT, {"point": COURTYARD, "first": 1, "lang": "vi",
                                        "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["qrCodes"][0]["code"] for e in rest["data"]["stopsAt"]["edges"]] == [
        "THAU23"]
    assert rest["data"]["stopsAt"]["pageInfo"]["hasNextPage"] is False
    # and just past the gate's zone, to the south-west, nothing plays
    lat, lng = _at(10.97895, 106.65405, 225.0, 15.5)
    outside = await gql(client, STOPS_AT, {"point": {"lat": lat, "lng": lng}})
    assert outside["data"]["stopsAt"]["edges"] == []


async def test_the_readme_query_answers_on_the_demo_data(
    client: httpx.AsyncClient, demo_guides: None,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (query,) = [b for b in re.findall(r"```graphql\n(.*?)```", readme, flags=re.S)
                if "stopsAt(" in b]
    body = await gql(client, query)
    edges = body["data"]["stopsAt"]["edges"]
    assert [(e["node"]["title"]["text"], round(e["distanceMeters"], 1)) for e in edges] == [
        ("The pagoda gate", 9.4), ("Main hall of Lady Thien Hau", 14.0)]  # as README says
    assert all(e["node"]["narration"]["audioUrl"] for e in edges)


async def test_stops_at_refuses_a_position_out_of_range(client: httpx.AsyncClient) -> None:
    body = await gql(client, STOPS_AT, {"point": {"lat": 95.0, "lng": 10.0}})
    assert codes(body) == ["INVALID_COORDINATES"]
    assert body["errors"][0]["extensions"]["field"] == "point.lat"


async def test_staff_set_and_clear_a_zone_over_graphql_others_are_refused(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    stop = await _stop(session)
    editor = await add_person(session, "editor")
    owner = await add_person(session, "owner")
    await session.commit()
    stop_id = to_global_id("Stop", stop.id)
    polygon = _polygon(SQUARE)
    # anonymous visitors and owners may not
    for person, code in ((None, "UNAUTHENTICATED"), (owner, "FORBIDDEN")):
        refused = await gql(client, SET_ZONE, {"stop": stop_id, "zone": {"polygon": polygon}},
                            person=person)
        assert codes(refused) == [code]
    # a bad zone is refused with its code and its field
    bad = await gql(client, SET_ZONE, {"stop": stop_id, "zone": {
        "center": {"lat": 18.7, "lng": 105.55}, "radiusMeters": 2.0}}, person=editor)
    assert codes(bad) == ["INVALID_ZONE_RADIUS"]
    assert bad["errors"][0]["extensions"]["field"] == "zone.radiusMeters"
    assert await _ids_at(session, 18.7005, 105.5505) == []
    # staff set a polygon: it comes back counterclockwise and holds its inside
    body = await gql(client, SET_ZONE, {"stop": stop_id, "zone": {"polygon": polygon}},
                     person=editor)
    zone = body["data"]["setStopZone"]["zone"]
    assert zone["kind"] == "POLYGON" and zone["radiusMeters"] is None
    assert shape(zone["polygon"]).equals(shape(polygon))
    assert shape(zone["polygon"]).exterior.is_ccw
    assert zone["center"] == pytest.approx({"lat": 18.7005, "lng": 105.5505})
    found = await gql(client, STOPS_AT, {"point": {"lat": 18.7005, "lng": 105.5505}})
    assert [e["node"]["id"] for e in found["data"]["stopsAt"]["edges"]] == [stop_id]
    # and clear it
    cleared = await gql(client, SET_ZONE, {"stop": stop_id, "zone": None}, person=editor)
    assert cleared["data"]["setStopZone"]["zone"] is None
    found = await gql(client, STOPS_AT, {"point": {"lat": 18.7005, "lng": 105.5505}})
    assert found["data"]["stopsAt"]["edges"] == []


async def test_a_new_stop_has_no_zone_until_one_is_set(
    staff_client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    destination = (await session.execute(
        select(Destination).where(Destination.slug == "den-do"))).scalar_one()
    body = await gql(staff_client, """
      mutation($d: ID!) {
        createStop(input: {destinationId: $d, title: [{lang: "vi", text: "Nhà bia"}]}) {
          id zone { kind }
        }
      }""", {"d": to_global_id("Destination", destination.id)})
    assert "errors" not in body, body
    assert body["data"]["createStop"]["zone"] is None
