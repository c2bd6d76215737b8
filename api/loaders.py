"""Per-request dataloaders: every relation field is one batched statement, never N+1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from core.time import utcnow
from geo import service as geo_service
from geo.listings import service as listing_service
from geo.models import Destination, OpeningPeriod, Province
from geo.occupancy import service as occupancy
from geo.occupancy.service import Crowding
from media import service as media_service
from media.models import Panorama
from qr import service as qr_service
from qr.models import QrCode, TargetKind
from tours import service as tour_service
from tours import stops as stop_service
from tours.models import Hotspot, Narration, Scene, Stop, Tour


@dataclass
class Loaders:
    """The loaders of one request, sharing its session."""

    destination: DataLoader[int, Destination | None]
    province: DataLoader[str, Province | None]
    opening_periods: DataLoader[int, list[OpeningPeriod]]
    stop: DataLoader[int, Stop | None]
    stops_by_destination: DataLoader[int, list[Stop]]
    narrations_by_stop: DataLoader[int, list[Narration]]
    narrations_by_site: DataLoader[int, list[Narration]]
    qr_codes_by_stop: DataLoader[int, list[QrCode]]
    viewpoint_scene: DataLoader[int, Scene | None]
    tour: DataLoader[int, Tour | None]
    tours_by_destination: DataLoader[int, list[Tour]]
    scenes_by_tour: DataLoader[int, list[Scene]]
    hotspots_by_scene: DataLoader[int, list[Hotspot]]
    panorama: DataLoader[int, Panorama | None]
    listing_destination: DataLoader[int, Destination | None]  # drafts too: owners and staff
    cover_photo: DataLoader[int, dict[str, Any] | None]  # the public listing's first photo
    crowding: DataLoader[int, Crowding | None]  # how busy a site is (people counters)


def make_loaders(session: AsyncSession) -> Loaders:
    """Fresh loaders for one request."""

    async def load_destinations(ids: list[int]) -> list[Destination | None]:
        return await geo_service.get_destinations(session=session, ids=ids)

    async def load_provinces(codes: list[str]) -> list[Province | None]:
        return await geo_service.get_provinces(session=session, codes=codes)

    async def load_periods(ids: list[int]) -> list[list[OpeningPeriod]]:
        found = await geo_service.opening_periods(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    async def load_stops(ids: list[int]) -> list[Stop | None]:
        return await stop_service.get_stops(session=session, ids=ids)

    async def load_routes(ids: list[int]) -> list[list[Stop]]:
        found = await stop_service.stops_of_destinations(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    async def load_narrations(ids: list[int]) -> list[list[Narration]]:
        found = await stop_service.narrations_of_stops(session=session, stop_ids=ids)
        return [found[i] for i in ids]

    async def load_site_narrations(ids: list[int]) -> list[list[Narration]]:
        found = await stop_service.narrations_of_sites(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    async def load_stop_codes(ids: list[int]) -> list[list[QrCode]]:
        found = await qr_service.codes_of_targets(session=session, kind=TargetKind.STOP, ids=ids)
        return [found[i] for i in ids]

    async def load_viewpoint_scenes(ids: list[int]) -> list[Scene | None]:
        return await stop_service.viewpoint_scenes(session=session, ids=ids)

    async def load_listing_destinations(ids: list[int]) -> list[Destination | None]:
        return await geo_service.get_destinations(session=session, ids=ids, include_drafts=True)

    async def load_cover_photos(ids: list[int]) -> list[dict[str, Any] | None]:
        found = await listing_service.cover_photos(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    async def load_crowding(ids: list[int]) -> list[Crowding | None]:
        found = await occupancy.crowding_of_destinations(session=session, destination_ids=ids,
                                                         now=utcnow())
        return [found[i] for i in ids]

    async def load_tours(ids: list[int]) -> list[Tour | None]:
        return await tour_service.get_tours(session=session, ids=ids)

    async def load_destination_tours(ids: list[int]) -> list[list[Tour]]:
        found = await tour_service.tours_of_destinations(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    async def load_scenes(ids: list[int]) -> list[list[Scene]]:
        found = await tour_service.scenes_of_tours(session=session, tour_ids=ids)
        return [found[i] for i in ids]

    async def load_hotspots(ids: list[int]) -> list[list[Hotspot]]:
        found = await tour_service.hotspots_of_scenes(session=session, scene_ids=ids)
        return [found[i] for i in ids]

    async def load_panoramas(ids: list[int]) -> list[Panorama | None]:
        return await media_service.get_panoramas(session=session, ids=ids)

    return Loaders(
        destination=DataLoader(load_fn=load_destinations),
        province=DataLoader(load_fn=load_provinces),
        opening_periods=DataLoader(load_fn=load_periods),
        stop=DataLoader(load_fn=load_stops),
        stops_by_destination=DataLoader(load_fn=load_routes),
        narrations_by_stop=DataLoader(load_fn=load_narrations),
        narrations_by_site=DataLoader(load_fn=load_site_narrations),
        qr_codes_by_stop=DataLoader(load_fn=load_stop_codes),
        viewpoint_scene=DataLoader(load_fn=load_viewpoint_scenes),
        tour=DataLoader(load_fn=load_tours),
        tours_by_destination=DataLoader(load_fn=load_destination_tours),
        scenes_by_tour=DataLoader(load_fn=load_scenes),
        hotspots_by_scene=DataLoader(load_fn=load_hotspots),
        panorama=DataLoader(load_fn=load_panoramas),
        listing_destination=DataLoader(load_fn=load_listing_destinations),
        cover_photo=DataLoader(load_fn=load_cover_photos),
        crowding=DataLoader(load_fn=load_crowding),
    )
