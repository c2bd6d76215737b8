"""Helpers of the virtual-tour tests: a staff app over the test transaction, a small tour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from accounts.permissions import Actor, Role
from api.app import create_app
from api.settings import Settings
from geo.geometry import GeoPoint
from geo.models import Destination
from media import service as media_service
from media.models import Panorama
from media.store import MediaStore
from tests.media.panorama_images import direction_panorama, encoded
from tours import service as tour_service
from tours.models import Scene, Tour

STAFF = Actor(role=Role.EDITOR, account_id=1)


def staff_app(settings: Settings, connection: AsyncConnection,
              sessions: async_sessionmaker[AsyncSession]) -> Starlette:
    """The app, with GraphQL requests made by a staff account."""
    return create_app(settings, engine=connection.engine, sessions=sessions,
                      actor_for=lambda request: STAFF)


@pytest.fixture
async def staff_client(settings: Settings, connection: AsyncConnection,
                       sessions: async_sessionmaker[AsyncSession]
                       ) -> AsyncIterator[httpx.AsyncClient]:
    app = staff_app(settings, connection, sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c


@dataclass
class SmallTour:
    """A tour of Chùa Bà Thiên Hậu with two linked scenes."""

    tour: Tour
    scenes: list[Scene]
    panoramas: list[Panorama]


async def make_small_tour(session: AsyncSession, store: MediaStore,
                          slug: str = "chua-ba-thien-hau") -> SmallTour:
    """Two panoramas, two scenes near the pagoda's gate, one link each way."""
    destination = (await session.execute(
        select(Destination).where(Destination.slug == slug))).scalar_one()
    panoramas = []
    for width, fmt in ((1024, "JPEG"), (2048, "PNG")):
        panorama, _ = await media_service.add_panorama(
            session=session, store=store, actor=STAFF,
            data=encoded(direction_panorama(width), fmt))
        panoramas.append(panorama)
    tour = await tour_service.create_tour(
        session=session, actor=STAFF, destination_id=destination.id, slug=f"{slug}-test-tour",
        title={"vi": "Tham quan chùa", "en": "Pagoda visit"})
    scenes = []
    for i, panorama in enumerate(panoramas):
        scenes.append(await tour_service.add_scene(
            session=session, actor=STAFF, tour_id=tour.id, scene=tour_service.NewScene(
                panorama_id=panorama.id, title={"vi": f"Cảnh {i + 1}", "en": f"View {i + 1}"},
                location=GeoPoint(lat=10.9791 + 0.0005 * i, lng=106.6541), north_offset=15.0)))
    await tour_service.add_hotspot(session=session, actor=STAFF, scene_id=scenes[0].id,
                                   kind="scene", yaw=30, pitch=-5, text={"vi": "Vào chính điện"},
                                   target_scene_id=scenes[1].id, target_yaw=180)
    await tour_service.add_hotspot(session=session, actor=STAFF, scene_id=scenes[1].id,
                                   kind="info", yaw=-60, pitch=10, text={"vi": "Bàn thờ"})
    return SmallTour(tour=tour, scenes=scenes, panoramas=panoramas)
