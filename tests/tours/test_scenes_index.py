"""Scenes near a point go through the same nearest-first entry point as destinations, and so
through the spatial index: GiST KNN on PostGIS, the R*Tree on SpatiaLite."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from geo.geometry import GeoPoint
from tests.conftest import StatementCounter, query_plans
from tests.reference import geodesic_m
from tests.tours.conftest import make_small_tour
from tours import service as tour_service

BULK_POSTGIS = """
INSERT INTO scene (tour_id, panorama_id, position, title, location, north_offset,
  initial_yaw, initial_pitch, initial_hfov, created_at)
SELECT {tour}, {panorama}, 10 + g, '{{"vi": "x"}}',
  ST_SetSRID(ST_MakePoint(102 + random() * 8, 9 + random() * 14), 4326), 0, 0, 0, 100, now()
FROM generate_series(1, 20000) AS g
"""
BULK_SPATIALITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
INSERT INTO scene (tour_id, panorama_id, position, title, location, north_offset,
  initial_yaw, initial_pitch, initial_hfov, created_at)
SELECT {tour}, {panorama}, 10 + n, '{{"vi": "x"}}',
  MakePoint(102 + (abs(random()) % 8000000) / 1e6, 9 + (abs(random()) % 14000000) / 1e6, 4326),
  0, 0, 0, 100, '2026-01-01'
FROM g
"""


async def test_scenes_near_use_the_spatial_index(
    session: AsyncSession, connection: AsyncConnection, backend: str,
    staff_client: httpx.AsyncClient, count_statements: StatementCounter,
) -> None:
    store = staff_client.app.state.store  # type: ignore[attr-defined]
    small = await make_small_tour(session, store)
    await session.flush()
    bulk = BULK_POSTGIS if backend == "postgis" else BULK_SPATIALITE
    await connection.exec_driver_sql(bulk.format(tour=small.tour.id,
                                                 panorama=small.panoramas[0].id))
    await connection.exec_driver_sql("ANALYZE scene" if backend == "postgis" else "ANALYZE")
    count_statements.statements.clear()
    count_statements.parameters.clear()
    near = GeoPoint(lat=18.67, lng=105.68)
    found = await tour_service.scenes_near(session=session, near=near, radius_m=20_000.0,
                                           first=5)
    assert len(found) == 5
    distances = [d for _, d in found]
    assert distances == sorted(distances)
    for scene, metres in found:
        assert metres <= 20_000.0
        assert abs(metres - geodesic_m(near.lat, near.lng, scene.lat or 0.0,
                                       scene.lng or 0.0)) < 0.005 * metres + 1.0
    plans = await query_plans(connection, backend, count_statements)
    index = "ix_scene_location_geog" if backend == "postgis" else "idx_scene_location"
    assert all(index in plan for plan in plans), "\n".join(plans)
    assert all("Seq Scan on scene" not in plan for plan in plans), "\n".join(plans)
