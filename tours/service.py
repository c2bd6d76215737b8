"""Virtual tours: creating tours, scenes and hotspots; looking them up; scenes near a point."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from geo import service as geo_service
from geo.geometry import GeoPoint, check_point
from geo.models import Destination
from geo.nearest import nearest
from media.models import Panorama
from media.service import get_panoramas
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Hotspot, Scene, Tour
from tours.viewers import TourScenes

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HOTSPOT_KINDS = frozenset({"scene", "info", "stop"})
MAX_SCENES_NEAR = 100


def _title(title: dict[str, str], field: str = "title") -> dict[str, str]:
    if not title or not all(isinstance(v, str) and v.strip() for v in title.values()):
        raise TourError(Code.INVALID_TITLE, "give a non-empty text per language", field=field)
    if any(len(k) > 35 or len(v) > 500 for k, v in title.items()):
        raise TourError(Code.INVALID_TITLE, "language tags or texts are too long", field=field)
    return {k: v.strip() for k, v in title.items()}


def _angle(value: float, low: float, high: float, field: str) -> float:
    if not math.isfinite(value) or not low <= value <= high:
        raise TourError(Code.INVALID_ANGLE, f"{field} must be within [{low}, {high}]",
                        field=field)
    return float(value)


async def create_tour(*, session: AsyncSession, actor: Actor, destination_id: int, slug: str,
                      title: dict[str, str], description: dict[str, str] | None = None) -> Tour:
    """A new (published) tour of a destination."""
    require_staff(actor)
    if not _SLUG.match(slug) or len(slug) > 120:
        raise TourError(Code.INVALID_SLUG, "a slug is lowercase words joined by '-'",
                        field="slug")
    if await session.get(Destination, destination_id) is None:
        raise TourError(Code.DESTINATION_NOT_FOUND, "no such destination",
                        field="destinationId")
    tour = Tour(destination_id=destination_id, slug=slug, title=_title(title),
                description=description or {})
    try:
        async with session.begin_nested():
            session.add(tour)
            await session.flush()
    except IntegrityError as exc:
        raise TourError(Code.DUPLICATE_SLUG, f"a tour is already called {slug!r}",
                        field="slug") from exc
    return tour


@dataclass(frozen=True, slots=True)
class NewScene:
    """What a scene is made of (angles in degrees; floor plan position in 0..1)."""

    panorama_id: int
    title: dict[str, str]
    location: GeoPoint | None = None
    floor_plan: tuple[float, float] | None = None
    north_offset: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    hfov: float = 100.0


async def add_scene(*, session: AsyncSession, actor: Actor, tour_id: int,
                    scene: NewScene) -> Scene:
    """A scene appended to a tour."""
    require_staff(actor)
    if await session.get(Tour, tour_id) is None:
        raise TourError(Code.TOUR_NOT_FOUND, "no such tour", field="tourId")
    if await session.get(Panorama, scene.panorama_id) is None:
        raise TourError(Code.PANORAMA_NOT_FOUND, "no such panorama", field="panoramaId")
    if scene.location is None and scene.floor_plan is None:
        raise TourError(Code.INVALID_PLACEMENT, "place the scene on the map or a floor plan",
                        field="location")
    if scene.floor_plan is not None and not all(
            math.isfinite(v) and 0.0 <= v <= 1.0 for v in scene.floor_plan):
        raise TourError(Code.INVALID_PLACEMENT, "floor plan positions are within 0..1",
                        field="floorPlan")
    point = (check_point(scene.location.lat, scene.location.lng, field="location")
             if scene.location else None)
    count = (await session.execute(
        select(func.count(Scene.id)).where(Scene.tour_id == tour_id))).scalar_one()
    row = Scene(
        tour_id=tour_id, panorama_id=scene.panorama_id, position=int(count),
        title=_title(scene.title),
        location=f"SRID=4326;POINT({point.lng} {point.lat})" if point else None,
        floor_plan_x=scene.floor_plan[0] if scene.floor_plan else None,
        floor_plan_y=scene.floor_plan[1] if scene.floor_plan else None,
        north_offset=_angle(scene.north_offset, -360, 360, "northOffset"),
        initial_yaw=_angle(scene.yaw, -180, 180, "yaw"),
        initial_pitch=_angle(scene.pitch, -90, 90, "pitch"),
        initial_hfov=_angle(scene.hfov, 30, 120, "hfov"),
    )
    session.add(row)
    await session.flush()
    await session.refresh(row, ["lat", "lng"])
    return row


async def add_hotspot(*, session: AsyncSession, actor: Actor, scene_id: int, kind: str,
                      yaw: float, pitch: float, text: dict[str, str] | None = None,
                      target_scene_id: int | None = None, target_yaw: float | None = None,
                      target_pitch: float | None = None, stop_id: int | None = None) -> Hotspot:
    """A hotspot in a scene: a link to a scene of the same tour, an info text, or a stop."""
    require_staff(actor)
    scene = await session.get(Scene, scene_id)
    if scene is None:
        raise TourError(Code.SCENE_NOT_FOUND, "no such scene", field="sceneId")
    if kind not in HOTSPOT_KINDS:
        raise TourError(Code.INVALID_HOTSPOT, "a hotspot is a scene link, info or a stop",
                        field="kind")
    if kind == "scene":
        target = await session.get(Scene, target_scene_id) if target_scene_id else None
        if target is None or target.tour_id != scene.tour_id or target.id == scene.id:
            raise TourError(Code.INVALID_HOTSPOT, "link to another scene of the same tour",
                            field="targetSceneId")
    if kind == "info" and not text:
        raise TourError(Code.INVALID_HOTSPOT, "an info hotspot needs a text", field="text")
    if kind == "stop" and stop_id is None:
        raise TourError(Code.INVALID_HOTSPOT, "a stop hotspot needs its stop", field="stopId")
    hotspot = Hotspot(
        scene_id=scene_id, kind=kind, yaw=_angle(yaw, -180, 180, "yaw"),
        pitch=_angle(pitch, -90, 90, "pitch"), text=_title(text, "text") if text else {},
        target_scene_id=target_scene_id if kind == "scene" else None,
        target_yaw=_angle(target_yaw, -180, 180, "targetYaw") if target_yaw is not None
        else None,
        target_pitch=_angle(target_pitch, -90, 90, "targetPitch") if target_pitch is not None
        else None,
        stop_id=stop_id if kind == "stop" else None,
    )
    session.add(hotspot)
    await session.flush()
    return hotspot


async def get_tours(*, session: AsyncSession, ids: Sequence[int]) -> list[Tour | None]:
    """Published tours by id, in the order asked."""
    found = {t.id: t for t in (await session.execute(
        select(Tour).where(Tour.id.in_(set(ids)), Tour.status == "published"))).scalars()}
    return [found.get(i) for i in ids]


async def tours_of_destinations(*, session: AsyncSession, destination_ids: Sequence[int]
                                ) -> dict[int, list[Tour]]:
    """Each destination's published tours, in id order."""
    grouped: dict[int, list[Tour]] = defaultdict(list)
    stmt = (select(Tour).where(Tour.destination_id.in_(set(destination_ids)),
                               Tour.status == "published").order_by(Tour.id))
    for tour in (await session.execute(stmt)).scalars():
        grouped[tour.destination_id].append(tour)
    return grouped


async def scenes_of_tours(*, session: AsyncSession, tour_ids: Sequence[int]
                          ) -> dict[int, list[Scene]]:
    """Each tour's scenes, in their order."""
    grouped: dict[int, list[Scene]] = defaultdict(list)
    stmt = (select(Scene).where(Scene.tour_id.in_(set(tour_ids)))
            .order_by(Scene.tour_id, Scene.position, Scene.id))
    for scene in (await session.execute(stmt)).scalars():
        grouped[scene.tour_id].append(scene)
    return grouped


async def hotspots_of_scenes(*, session: AsyncSession, scene_ids: Sequence[int]
                             ) -> dict[int, list[Hotspot]]:
    """Each scene's hotspots, in id order."""
    grouped: dict[int, list[Hotspot]] = defaultdict(list)
    stmt = select(Hotspot).where(Hotspot.scene_id.in_(set(scene_ids))).order_by(Hotspot.id)
    for hotspot in (await session.execute(stmt)).scalars():
        grouped[hotspot.scene_id].append(hotspot)
    return grouped


async def scenes_near(*, session: AsyncSession, near: GeoPoint, radius_m: float,
                      first: int = 20) -> list[tuple[Scene, float]]:
    """Scenes of published tours within radius_m of a point, nearest first, with metres."""
    first = max(1, min(first, MAX_SCENES_NEAR))
    published = Scene.tour_id.in_(select(Tour.id).where(Tour.status == "published"))
    return await nearest(session=session, entity=Scene, location=Scene.location, near=near,
                         radius_m=radius_m, limit=first,
                         where=[published, Scene.location.is_not(None)])


async def viewer_scenes_of_tours(*, session: AsyncSession, tours: Sequence[Tour]
                                 ) -> list[TourScenes]:
    """What the viewers show of each tour (scenes whose panorama is READY, hotspots,
    panoramas), in the order of tours: three statements for any number of tours."""
    scenes = await scenes_of_tours(session=session, tour_ids=[t.id for t in tours])
    every = [s for t in tours for s in scenes.get(t.id, [])]
    spots = await hotspots_of_scenes(session=session, scene_ids=[s.id for s in every])
    found = await get_panoramas(session=session, ids=[s.panorama_id for s in every])
    panoramas = {p.id: p for p in found if p is not None and p.ready}
    # a scene shows once its panorama is READY (it may be added while the tiler works)
    return [TourScenes(tour=t, scenes=[s for s in scenes.get(t.id, [])
                                       if s.panorama_id in panoramas],
                       hotspots=spots, panoramas=panoramas) for t in tours]


async def get_published_tour_scenes(*, session: AsyncSession, tour_id: int
                                    ) -> TourScenes | None:
    """A published tour with what its viewers show, or None."""
    (tour,) = await get_tours(session=session, ids=[tour_id])
    if tour is None:
        return None
    (found,) = await viewer_scenes_of_tours(session=session, tours=[tour])
    return found


async def get_tour_by_slug(*, session: AsyncSession, slug: str) -> Tour | None:
    """Gets a tour by its slug, published or not."""
    found: Tour | None = (await session.execute(
        select(Tour).where(Tour.slug == slug))).scalar_one_or_none()
    return found


async def get_or_create_tour(*, session: AsyncSession, actor: Actor, destination: Destination,
                             slug: str | None = None) -> Tour:
    """The tour called slug (DESTINATION-360 by default), created for the destination and
    titled with its name when missing; not committed."""
    require_staff(actor)
    slug = slug or f"{destination.slug}-360"
    found = await get_tour_by_slug(session=session, slug=slug)
    if found is not None:
        return found
    return await create_tour(session=session, actor=actor, destination_id=destination.id,
                             slug=slug, title=dict(destination.name))


async def add_panorama_scene(
    *, session: AsyncSession, actor: Actor, destination_slug: str, panorama_id: int,
    title: dict[str, str], tour_slug: str | None = None, location: GeoPoint | None = None,
    north_offset: float = 0.0,
) -> tuple[Tour, Scene]:
    """A panorama appended as a scene of a destination's tour (made when missing, see
    get_or_create_tour), on the map at the destination unless a location is given; not
    committed."""
    require_staff(actor)
    place = await geo_service.get_destination_by_slug(session=session, slug=destination_slug,
                                                      include_drafts=True)
    if place is None:
        raise TourError(Code.DESTINATION_NOT_FOUND, f"no destination {destination_slug!r}",
                        field="destination")
    tour = await get_or_create_tour(session=session, actor=actor, destination=place,
                                    slug=tour_slug)
    scene = await add_scene(session=session, actor=actor, tour_id=tour.id, scene=NewScene(
        panorama_id=panorama_id, title=title, north_offset=north_offset,
        location=location or GeoPoint(lat=place.lat, lng=place.lng)))
    return tour, scene
