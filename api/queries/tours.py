"""Query fields of virtual tours: a tour, a destination's tours, scenes near a point."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.types.common import GeoPointInput, Lang, int_key
from api.types.tour import Panorama, Scene, SceneNear, Tour
from geo.geometry import check_radius
from tours import service as tour_service

Info = strawberry.Info[Context, None]


async def tour_by_id(info: Info, global_id: str, lang: str | None) -> Tour | None:
    """A published tour by its global id."""
    found = await info.context.loaders.tour.load(int_key(global_id, "Tour"))
    return Tour.from_model(found, info.context.chain(lang)) if found else None


async def scene_by_id(info: Info, global_id: str, lang: str | None) -> Scene | None:
    """A scene of a published tour by its global id."""
    found = await info.context.loaders.viewpoint_scene.load(int_key(global_id, "Scene"))
    if found is None or await info.context.loaders.tour.load(found.tour_id) is None:
        return None
    return Scene.from_model(found, info.context.chain(lang))


async def panorama_by_id(info: Info, global_id: str, lang: str | None) -> Panorama | None:
    """A panorama by its global id."""
    found = await info.context.loaders.panorama.load(int_key(global_id, "Panorama"))
    return Panorama.from_model(found) if found else None


@strawberry.type
class TourQueries:
    """360° virtual tours and their scenes."""

    @strawberry.field(description="A published tour by its id.")
    async def tour(self, info: Info, id: strawberry.ID, lang: Lang = None) -> Tour | None:
        return await tour_by_id(info, id, lang)

    @strawberry.field(description="The published tours of a destination.")
    async def destination_tours(self, info: Info, destination_id: strawberry.ID,
                                lang: Lang = None) -> list[Tour]:
        found = await info.context.loaders.tours_by_destination.load(
            int_key(destination_id, "Destination"))
        chain = info.context.chain(lang)
        return [Tour.from_model(t, chain) for t in found]

    @strawberry.field(description="360° views near a point, nearest first.")
    async def scenes_near(self, info: Info, near: GeoPointInput, radius_meters: float,
                          first: int = 20, lang: Lang = None) -> list[SceneNear]:
        chain = info.context.chain(lang)
        found = await tour_service.scenes_near(
            session=info.context.session, near=near.checked(),
            radius_m=check_radius(radius_meters), first=first)
        return [SceneNear(scene=Scene.from_model(s, chain), distance_meters=d) for s, d in found]

    @strawberry.field(description="A panorama by its id.")
    async def panorama(self, info: Info, id: strawberry.ID) -> Panorama | None:
        return await panorama_by_id(info, id, None)
