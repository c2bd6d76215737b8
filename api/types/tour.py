"""GraphQL types of virtual tours: tours, scenes, hotspots, panoramas and viewer configs."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from api.types.common import GeoPoint, Lang, Node, to_global_id
from core.language import pick_text
from media import models as media_models
from media.errors import MediaErrorCode
from tours import models, viewers

Info = strawberry.Info[Context, None]
PanoramaStatus = strawberry.enum(
    media_models.PanoramaStatus, name="PanoramaStatus",
    description="Where a panorama's ingest stands: PENDING until the tiler has tiled it for "
                "every viewer (READY), or FAILED with a code.")


def panorama_base(info: Info, panorama: media_models.Panorama) -> str:
    """The URL of a panorama's folder: the store's public URL, else the app's redirects."""
    return viewers.panorama_base_url(
        info.context.store, info.context.settings.server.public_base_url, panorama)


@strawberry.type(description="A tiled 360° image (content-addressed by its SHA-256).")
class Panorama(Node):
    model: strawberry.Private[media_models.Panorama]

    @classmethod
    def from_model(cls, model: media_models.Panorama) -> Panorama:
        """The GraphQL view of a panorama."""
        return cls(id=to_global_id("Panorama", model.id), model=model)

    @strawberry.field(description="PENDING, READY or FAILED: scenes show once READY.")
    def status(self) -> PanoramaStatus:  # type: ignore[valid-type]
        return media_models.PanoramaStatus(self.model.status)

    @strawberry.field(description="Why the ingest failed (FAILED only): a MediaErrorCode.")
    def failure(self) -> str | None:
        return str(MediaErrorCode(self.model.failure)) if self.model.failure else None

    @strawberry.field(description="SHA-256 of the image, once the tiler has read it.")
    def sha256(self) -> str | None:
        return self.model.sha256

    @strawberry.field
    def width(self) -> int | None:
        return self.model.width

    @strawberry.field
    def height(self) -> int | None:
        return self.model.height

    @strawberry.field(description="Cube face size in pixels: 8·⌊width/π/8⌋.")
    def face_size(self) -> int | None:
        return self.model.face_size

    @strawberry.field
    def levels(self) -> int | None:
        return self.model.levels

    @strawberry.field(description="Bytes of every stored object of the panorama (READY).")
    def byte_size(self) -> float | None:
        return float(self.model.byte_size) if self.model.ready else None

    @strawberry.field(description="The thumbnail (READY only).")
    def thumbnail_url(self, info: Info) -> str | None:
        return f"{panorama_base(info, self.model)}/thumb.jpg" if self.model.ready else None

    @strawberry.field(description="The equirectangular preview (READY only).")
    def preview_url(self, info: Info) -> str | None:
        return f"{panorama_base(info, self.model)}/preview.jpg" if self.model.ready else None


@strawberry.type(description="A point of a scene: a link to another scene, an info text or a "
                 "stop with its narration. Angles in degrees.")
class Hotspot:
    model: strawberry.Private[models.Hotspot]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Hotspot", self.model.id)

    @strawberry.field(description="scene, info or stop.")
    def kind(self) -> str:
        return self.model.kind

    @strawberry.field
    def yaw(self) -> float:
        return self.model.yaw

    @strawberry.field
    def pitch(self) -> float:
        return self.model.pitch

    @strawberry.field
    def text(self, info: Info, lang: Lang = None) -> str | None:
        return pick_text(self.model.text, info.context.chain(lang, self.chain)) or None

    @strawberry.field
    def target_scene_id(self) -> strawberry.ID | None:
        target = self.model.target_scene_id
        return to_global_id("Scene", target) if target is not None else None

    @strawberry.field
    def stop_id(self) -> strawberry.ID | None:
        stop = self.model.stop_id
        return to_global_id("Stop", stop) if stop is not None else None


@strawberry.type(description="A viewpoint of a tour: a panorama on the map or a floor plan.")
class Scene(Node):
    model: strawberry.Private[models.Scene]
    chain: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_model(cls, model: models.Scene, chain: tuple[str, ...]) -> Scene:
        """The GraphQL view of a scene."""
        return cls(id=to_global_id("Scene", model.id), model=model, chain=chain)

    @strawberry.field
    def title(self, info: Info, lang: Lang = None) -> str:
        return pick_text(self.model.title, info.context.chain(lang, self.chain))

    @strawberry.field
    def location(self) -> GeoPoint | None:
        lat, lng = self.model.lat, self.model.lng
        return GeoPoint(lat=lat, lng=lng) if lat is not None and lng is not None else None

    @strawberry.field(description="Position on the tour's floor plan, 0..1 from the left.")
    def floor_plan_x(self) -> float | None:
        return self.model.floor_plan_x

    @strawberry.field(description="Position on the tour's floor plan, 0..1 from the top.")
    def floor_plan_y(self) -> float | None:
        return self.model.floor_plan_y

    @strawberry.field(description="Compass heading of the panorama's centre, degrees.")
    def north_offset(self) -> float:
        return self.model.north_offset

    @strawberry.field
    def initial_yaw(self) -> float:
        return self.model.initial_yaw

    @strawberry.field
    def initial_pitch(self) -> float:
        return self.model.initial_pitch

    @strawberry.field
    def initial_hfov(self) -> float:
        return self.model.initial_hfov

    @strawberry.field
    def tour_id(self) -> strawberry.ID:
        return to_global_id("Tour", self.model.tour_id)

    @strawberry.field
    async def panorama(self, info: Info) -> Panorama:
        found = await info.context.loaders.panorama.load(self.model.panorama_id)
        assert found is not None, "foreign key guarantees the panorama"
        return Panorama.from_model(found)

    @strawberry.field
    async def hotspots(self, info: Info) -> list[Hotspot]:
        found = await info.context.loaders.hotspots_by_scene.load(self.model.id)
        return [Hotspot(model=h, chain=self.chain) for h in found]


@strawberry.type(description="A scene and how far it is, in metres.")
class SceneNear:
    scene: Scene
    distance_meters: float


@strawberry.type(description="A 360° virtual tour of a destination.")
class Tour(Node):
    model: strawberry.Private[models.Tour]
    chain: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_model(cls, model: models.Tour, chain: tuple[str, ...]) -> Tour:
        """The GraphQL view of a tour."""
        return cls(id=to_global_id("Tour", model.id), model=model, chain=chain)

    @strawberry.field
    def slug(self) -> str:
        return self.model.slug

    @strawberry.field
    def title(self, info: Info, lang: Lang = None) -> str:
        return pick_text(self.model.title, info.context.chain(lang, self.chain))

    @strawberry.field
    def description(self, info: Info, lang: Lang = None) -> str | None:
        return pick_text(self.model.description, info.context.chain(lang, self.chain)) or None

    @strawberry.field
    def destination_id(self) -> strawberry.ID:
        return to_global_id("Destination", self.model.destination_id)

    @strawberry.field(description="The page that shows the tour in Pannellum.")
    def viewer_url(self, info: Info) -> str:
        return f"{info.context.settings.server.public_base_url.rstrip('/')}/tours/{self.model.id}"

    @strawberry.field
    async def scenes(self, info: Info) -> list[Scene]:
        found = await info.context.loaders.scenes_by_tour.load(self.model.id)
        return [Scene.from_model(s, self.chain) for s in found]

    @strawberry.field(description="Pannellum 2.5 tour configuration (multires scenes).")
    async def pannellum_config(self, info: Info, lang: Lang = None) -> JSON:
        return JSON(await viewer_config(info, self.model, info.context.chain(lang, self.chain),
                                        viewers.Viewer.PANNELLUM))

    @strawberry.field(description="Marzipano 0.10 scene data (radians), with tile URL "
                      "templates and cube previews.")
    async def marzipano_config(self, info: Info, lang: Lang = None) -> JSON:
        return JSON(await viewer_config(info, self.model, info.context.chain(lang, self.chain),
                                        viewers.Viewer.MARZIPANO))


async def viewer_config(info: Info, tour: models.Tour, chain: tuple[str, ...],
                        viewer: viewers.Viewer) -> dict[str, Any]:
    """A viewer's configuration of a tour, its scenes, hotspots and panoramas from the loaders."""
    loaders = info.context.loaders
    scenes = await loaders.scenes_by_tour.load(tour.id)
    spots = await loaders.hotspots_by_scene.load_many([s.id for s in scenes])
    panoramas = await loaders.panorama.load_many([s.panorama_id for s in scenes])
    shown = viewers.TourScenes(
        tour=tour, scenes=scenes, hotspots={s.id: h for s, h in zip(scenes, spots, strict=True)},
        panoramas={p.id: p for p in panoramas if p is not None and p.ready})
    return viewers.viewer_config(viewer, shown, base_of=lambda p: panorama_base(info, p),
                                 chain=chain)
