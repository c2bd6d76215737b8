"""Tour changes: every refusal has its code and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import ANONYMOUS
from core.errors import DomainError
from geo.geometry import GeoPoint
from media.store import LocalStore
from tests.tours.conftest import STAFF, SmallTour, make_small_tour
from tours import service
from tours.models import Hotspot, Scene, Tour


async def _counts(session: AsyncSession) -> tuple[int, ...]:
    return tuple([int((await session.execute(select(func.count(m.id)))).scalar_one())
                  for m in (Tour, Scene, Hotspot)])


@pytest.fixture
async def small(session: AsyncSession, tmp_path: Path) -> SmallTour:
    store = LocalStore(tmp_path / "media", public_base_url="http://t", secret_key="k" * 40)
    return await make_small_tour(session, store)


def _cases(small: SmallTour) -> list[tuple[str, Callable[[AsyncSession], Awaitable[Any]]]]:
    tour, (one, two), pano = small.tour, small.scenes, small.panoramas[0]

    def scene(**changes: Any) -> service.NewScene:
        values: dict[str, Any] = {"panorama_id": pano.id, "title": {"vi": "Cảnh"},
                                  "location": GeoPoint(lat=10.98, lng=106.65)}
        values.update(changes)
        return service.NewScene(**values)

    return [
        ("INVALID_SLUG", lambda s: service.create_tour(
            session=s, actor=STAFF, destination_id=tour.destination_id, slug="Bad Slug",
            title={"vi": "x"})),
        ("DUPLICATE_SLUG", lambda s: service.create_tour(
            session=s, actor=STAFF, destination_id=tour.destination_id, slug=tour.slug,
            title={"vi": "x"})),
        ("DESTINATION_NOT_FOUND", lambda s: service.create_tour(
            session=s, actor=STAFF, destination_id=10**9, slug="a-b", title={"vi": "x"})),
        ("INVALID_TITLE", lambda s: service.create_tour(
            session=s, actor=STAFF, destination_id=tour.destination_id, slug="a-b",
            title={"vi": "  "})),
        ("UNAUTHENTICATED", lambda s: service.create_tour(
            session=s, actor=ANONYMOUS, destination_id=tour.destination_id, slug="a-b",
            title={"vi": "x"})),
        ("INVALID_PLACEMENT", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id, scene=scene(location=None))),
        ("INVALID_PLACEMENT", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id, scene=scene(floor_plan=(0.5, 1.5)))),
        ("INVALID_ANGLE", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id, scene=scene(pitch=95.0))),
        ("INVALID_ANGLE", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id, scene=scene(hfov=float("nan")))),
        ("INVALID_COORDINATES", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id,
            scene=scene(location=GeoPoint(lat=95.0, lng=0.0)))),
        ("PANORAMA_NOT_FOUND", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=tour.id, scene=scene(panorama_id=10**9))),
        ("TOUR_NOT_FOUND", lambda s: service.add_scene(
            session=s, actor=STAFF, tour_id=10**9, scene=scene())),
        ("INVALID_HOTSPOT", lambda s: service.add_hotspot(
            session=s, actor=STAFF, scene_id=one.id, kind="scene", yaw=0, pitch=0,
            target_scene_id=one.id)),
        ("INVALID_HOTSPOT", lambda s: service.add_hotspot(
            session=s, actor=STAFF, scene_id=one.id, kind="teleport", yaw=0, pitch=0)),
        ("INVALID_HOTSPOT", lambda s: service.add_hotspot(
            session=s, actor=STAFF, scene_id=two.id, kind="info", yaw=0, pitch=0)),
        ("INVALID_ANGLE", lambda s: service.add_hotspot(
            session=s, actor=STAFF, scene_id=one.id, kind="scene", yaw=181, pitch=0,
            target_scene_id=two.id)),
        ("SCENE_NOT_FOUND", lambda s: service.add_hotspot(
            session=s, actor=STAFF, scene_id=10**9, kind="info", yaw=0, pitch=0,
            text={"vi": "x"})),
    ]


async def test_refused_changes_write_nothing(session: AsyncSession, small: SmallTour) -> None:
    before = await _counts(session)
    for code, change in _cases(small):
        with pytest.raises(DomainError) as refused:
            await change(session)
        assert refused.value.code == code
        assert await _counts(session) == before, code


async def test_scenes_keep_their_order_and_place(session: AsyncSession,
                                                 small: SmallTour) -> None:
    scenes = (await service.scenes_of_tours(session=session, tour_ids=[small.tour.id]))
    assert [s.position for s in scenes[small.tour.id]] == [0, 1]
    assert scenes[small.tour.id][1].lat == pytest.approx(10.9796)
