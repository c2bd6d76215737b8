"""The workflow of `tourism panorama add --destination`: find or create the tour, add the scene."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import ANONYMOUS
from core.errors import DomainError
from geo import service as geo_service
from geo.geometry import GeoPoint
from media import service as media_service
from media.models import Panorama
from media.store import LocalStore
from tests.media.panorama_images import direction_panorama, encoded
from tests.tours.conftest import STAFF
from tours import service
from tours.models import Scene, Tour

SLUG = "chua-ba-thien-hau"


async def _panorama(session: AsyncSession, tmp_path: Path) -> Panorama:
    store = LocalStore(tmp_path / "media", public_base_url="http://t", secret_key="k" * 40)
    panorama, _ = await media_service.add_panorama(
        session=session, store=store, actor=STAFF, data=encoded(direction_panorama(1024),
                                                                "JPEG"))
    return panorama


async def _counts(session: AsyncSession) -> tuple[int, int]:
    return (int(await session.scalar(select(func.count(Tour.id))) or 0),
            int(await session.scalar(select(func.count(Scene.id))) or 0))


async def test_the_first_scene_makes_the_tour_and_the_next_one_joins_it(
    session: AsyncSession, tmp_path: Path,
) -> None:
    panorama = await _panorama(session, tmp_path)
    place = await geo_service.get_destination_by_slug(session=session, slug=SLUG)
    assert place is not None
    tours_before, scenes_before = await _counts(session)

    tour, first = await service.add_panorama_scene(
        session=session, actor=STAFF, destination_slug=SLUG, panorama_id=panorama.id,
        title={"vi": "Cổng chùa"})
    again, second = await service.add_panorama_scene(
        session=session, actor=STAFF, destination_slug=SLUG, panorama_id=panorama.id,
        title={"vi": "Chính điện"}, location=GeoPoint(lat=10.9801, lng=106.6512),
        north_offset=20.0)

    assert tour.slug == f"{SLUG}-360" and tour.destination_id == place.id
    assert tour.title == place.name
    assert again.id == tour.id
    assert await _counts(session) == (tours_before + 1, scenes_before + 2)
    assert (first.position, second.position) == (0, 1)
    assert (first.lat, first.lng) == pytest.approx((place.lat, place.lng))
    assert (second.lat, second.lng, second.north_offset) == pytest.approx(
        (10.9801, 106.6512, 20.0))
    assert await service.get_tour_by_slug(session=session, slug=tour.slug) is tour


async def test_a_named_tour_is_found_or_made(session: AsyncSession) -> None:
    place = await geo_service.get_destination_by_slug(session=session, slug=SLUG)
    assert place is not None
    made = await service.get_or_create_tour(session=session, actor=STAFF, destination=place,
                                            slug="chua-ba-dem")
    found = await service.get_or_create_tour(session=session, actor=STAFF, destination=place,
                                             slug="chua-ba-dem")
    assert found.id == made.id and made.slug == "chua-ba-dem"


async def test_refusals_write_nothing(session: AsyncSession, tmp_path: Path) -> None:
    panorama = await _panorama(session, tmp_path)
    before = await _counts(session)
    for actor, slug, code in ((STAFF, "no-such-place", "DESTINATION_NOT_FOUND"),
                              (ANONYMOUS, SLUG, "UNAUTHENTICATED")):
        with pytest.raises(DomainError) as refused:
            await service.add_panorama_scene(session=session, actor=actor,
                                             destination_slug=slug, panorama_id=panorama.id,
                                             title={"vi": "x"})
        assert refused.value.code == code
        assert await _counts(session) == before
