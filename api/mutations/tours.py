"""Staff mutations of virtual tours: panorama uploads, tours, scenes and hotspots."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.mutations.qr import TextInput
from api.types.common import GeoPointInput, int_key
from api.types.tour import Hotspot, Panorama, Scene, Tour
from api.types.uploads import PresignedUpload
from media import service as media_service
from tours import service as tour_service
from tours import tour_edits

Info = strawberry.Info[Context, None]


def _texts(items: list[TextInput] | None) -> dict[str, str]:
    return {t.lang: t.text for t in items or []}


@strawberry.input
class AddSceneInput:
    tour_id: strawberry.ID
    panorama_id: strawberry.ID
    title: list[TextInput]
    location: GeoPointInput | None = None
    floor_plan_x: float | None = None
    floor_plan_y: float | None = None
    north_offset: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    hfov: float = 100.0


@strawberry.input
class AddHotspotInput:
    scene_id: strawberry.ID
    kind: str = strawberry.field(description="scene, info or stop.")
    yaw: float
    pitch: float
    text: list[TextInput] | None = None
    target_scene_id: strawberry.ID | None = None
    target_yaw: float | None = None
    target_pitch: float | None = None
    stop_id: strawberry.ID | None = None


@strawberry.input
class UpdateSceneInput:
    id: strawberry.ID
    title: list[TextInput] | None = None
    yaw: float | None = None
    pitch: float | None = None
    hfov: float | None = None
    north_offset: float | None = None


@strawberry.input
class UpdateHotspotInput:
    id: strawberry.ID
    yaw: float
    pitch: float
    text: list[TextInput] | None = None
    target_scene_id: strawberry.ID | None = None
    target_yaw: float | None = None
    target_pitch: float | None = None


@strawberry.type
class TourMutations:
    """Changes to panoramas and tours (department staff only)."""

    @strawberry.mutation(description="Starts a panorama upload (JPEG, PNG or WebP): a short-"
                         "lived presigned POST. Then call addPanoramaFromUpload with its key.")
    async def request_panorama_upload(self, info: Info, content_type: str) -> PresignedUpload:
        issued = await media_service.request_panorama_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            content_type=content_type, now=info.context.now)
        await info.context.session.commit()
        return PresignedUpload.of(issued)

    @strawberry.mutation(description="Records an uploaded panorama, PENDING: the tiler checks "
                         "and tiles it for every viewer, then it is READY (or FAILED with a "
                         "code); ask panorama(id) { status failure }. A scene may show it "
                         "already: it appears once READY. The same image twice shares one "
                         "set of tiles.")
    async def add_panorama_from_upload(self, info: Info, key: str) -> Panorama:
        panorama, created = await media_service.add_panorama_from_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            key=key, now=info.context.now)
        await info.context.session.commit()
        if created and info.context.ingest is not None:  # the local server's worker
            info.context.ingest(key)
        return Panorama.from_model(panorama)

    @strawberry.mutation(description="Creates a tour of a destination.")
    async def create_tour(self, info: Info, destination_id: strawberry.ID, slug: str,
                          title: list[TextInput],
                          description: list[TextInput] | None = None) -> Tour:
        tour = await tour_service.create_tour(
            session=info.context.session, actor=info.context.actor,
            destination_id=int_key(destination_id, "Destination"), slug=slug,
            title=_texts(title), description=_texts(description))
        await info.context.session.commit()
        return Tour.from_model(tour, info.context.chain(None))

    @strawberry.mutation(description="Appends a scene to a tour.")
    async def add_scene(self, info: Info, input: AddSceneInput) -> Scene:
        plan = ((input.floor_plan_x, input.floor_plan_y)
                if input.floor_plan_x is not None and input.floor_plan_y is not None else None)
        scene = await tour_service.add_scene(
            session=info.context.session, actor=info.context.actor,
            tour_id=int_key(input.tour_id, "Tour"),
            scene=tour_service.NewScene(
                panorama_id=int_key(input.panorama_id, "Panorama"), title=_texts(input.title),
                location=input.location.checked("location") if input.location else None,
                floor_plan=plan, north_offset=input.north_offset, yaw=input.yaw,
                pitch=input.pitch, hfov=input.hfov))
        await info.context.session.commit()
        return Scene.from_model(scene, info.context.chain(None))

    @strawberry.mutation(description="Adds a hotspot to a scene.")
    async def add_hotspot(self, info: Info, input: AddHotspotInput) -> Hotspot:
        hotspot = await tour_service.add_hotspot(
            session=info.context.session, actor=info.context.actor,
            scene_id=int_key(input.scene_id, "Scene"), kind=input.kind, yaw=input.yaw,
            pitch=input.pitch, text=_texts(input.text) or None,
            target_scene_id=int_key(input.target_scene_id, "Scene")
            if input.target_scene_id else None,
            target_yaw=input.target_yaw, target_pitch=input.target_pitch,
            stop_id=int_key(input.stop_id, "Stop") if input.stop_id else None)
        await info.context.session.commit()
        return Hotspot(model=hotspot, chain=info.context.chain(None))

    @strawberry.mutation(description="Changes a tour's texts (whole documents: a language "
                         "left out is removed; a list not given is left as it is).")
    async def update_tour(self, info: Info, id: strawberry.ID,
                          title: list[TextInput] | None = None,
                          description: list[TextInput] | None = None) -> Tour:
        tour = await tour_edits.update_tour(
            session=info.context.session, actor=info.context.actor,
            tour_id=int_key(id, "Tour"),
            title=_texts(title) if title is not None else None,
            description=_texts(description) if description is not None else None,
            now=info.context.now)
        await info.context.session.commit()
        return Tour.from_model(tour, info.context.chain(None))

    @strawberry.mutation(description="Deletes a tour with its scenes and hotspots (the "
                         "panoramas stay); gives its id.")
    async def delete_tour(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await tour_edits.delete_tour(session=info.context.session, actor=info.context.actor,
                                     tour_id=int_key(id, "Tour"), now=info.context.now)
        await info.context.session.commit()
        return id

    @strawberry.mutation(description="Changes a scene's titles, initial view (yaw, pitch, "
                         "hfov in degrees) or north offset; what is not given stays.")
    async def update_scene(self, info: Info, input: UpdateSceneInput) -> Scene:
        scene = await tour_edits.update_scene(
            session=info.context.session, actor=info.context.actor,
            scene_id=int_key(input.id, "Scene"), edit=tour_edits.SceneEdit(
                title=_texts(input.title) if input.title is not None else None,
                yaw=input.yaw, pitch=input.pitch, hfov=input.hfov,
                north_offset=input.north_offset), now=info.context.now)
        await info.context.session.commit()
        return Scene.from_model(scene, info.context.chain(None))

    @strawberry.mutation(description="Moves a scene one place earlier (by: -1) or later "
                         "(by: 1) in its tour; gives the tour's scenes in their new order.")
    async def move_scene(self, info: Info, id: strawberry.ID, by: int) -> list[Scene]:
        scenes = await tour_edits.move_scene(
            session=info.context.session, actor=info.context.actor,
            scene_id=int_key(id, "Scene"), by=by, now=info.context.now)
        await info.context.session.commit()
        return [Scene.from_model(s, info.context.chain(None)) for s in scenes]

    @strawberry.mutation(description="Deletes a scene, its hotspots and the links to it; "
                         "gives its id.")
    async def delete_scene(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await tour_edits.delete_scene(session=info.context.session, actor=info.context.actor,
                                      scene_id=int_key(id, "Scene"), now=info.context.now)
        await info.context.session.commit()
        return id

    @strawberry.mutation(description="Moves a hotspot or changes what it says or leads to "
                         "(its kind stays); every field is given, as for addHotspot.")
    async def update_hotspot(self, info: Info, input: UpdateHotspotInput) -> Hotspot:
        hotspot = await tour_edits.update_hotspot(
            session=info.context.session, actor=info.context.actor,
            hotspot_id=int_key(input.id, "Hotspot"), edit=tour_edits.HotspotEdit(
                yaw=input.yaw, pitch=input.pitch, text=_texts(input.text) or None,
                target_scene_id=int_key(input.target_scene_id, "Scene")
                if input.target_scene_id else None,
                target_yaw=input.target_yaw, target_pitch=input.target_pitch),
            now=info.context.now)
        await info.context.session.commit()
        return Hotspot(model=hotspot, chain=info.context.chain(None))

    @strawberry.mutation(description="Deletes a hotspot; gives its id.")
    async def delete_hotspot(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await tour_edits.delete_hotspot(session=info.context.session,
                                        actor=info.context.actor,
                                        hotspot_id=int_key(id, "Hotspot"), now=info.context.now)
        await info.context.session.commit()
        return id
