"""Staff change and remove what tours/service.py creates: a tour's texts, a scene's titles,
initial view and north, the order of scenes, hotspots; tours, scenes and hotspots deleted.
Each edit is checked as a new one is, recorded in the audit trail (under the tour's
destination) and not committed; a refusal raises a coded TourError before anything is
written. Also what the console lists: every tour of a destination (published or not) and the
panoramas that no scene shows yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.time import utcnow
from geo.listings.service import record
from media.models import Panorama
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Hotspot, Scene, Tour
from tours.service import _angle, _title

#: The most recent panoramas the console offers for a new scene.
MAX_UNPLACED = 30


@dataclass(frozen=True, slots=True)
class SceneEdit:
    """What a scene edit changes; None leaves a field as it is (angles in degrees)."""

    title: dict[str, str] | None = None
    yaw: float | None = None
    pitch: float | None = None
    hfov: float | None = None
    north_offset: float | None = None


@dataclass(frozen=True, slots=True)
class HotspotEdit:
    """A hotspot's new position and content: every field is given, as add_hotspot takes
    them (the kind stays what it is)."""

    yaw: float
    pitch: float
    text: dict[str, str] | None = None
    target_scene_id: int | None = None
    target_yaw: float | None = None
    target_pitch: float | None = None


async def get_tour(*, session: AsyncSession, actor: Actor, tour_id: int) -> Tour:
    """A tour, published or not (staff only); TourError TOUR_NOT_FOUND otherwise."""
    require_staff(actor)
    tour = await session.get(Tour, tour_id)
    if tour is None:
        raise TourError(Code.TOUR_NOT_FOUND, "no such tour", field="tourId")
    return tour


async def get_scene(*, session: AsyncSession, actor: Actor, scene_id: int) -> Scene:
    """A scene of any tour (staff only); TourError SCENE_NOT_FOUND otherwise."""
    require_staff(actor)
    scene = await session.get(Scene, scene_id)
    if scene is None:
        raise TourError(Code.SCENE_NOT_FOUND, "no such scene", field="sceneId")
    return scene


async def _hotspot(session: AsyncSession, hotspot_id: int) -> Hotspot:
    hotspot = await session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise TourError(Code.HOTSPOT_NOT_FOUND, "no such hotspot", field="hotspotId")
    return hotspot


async def hotspot_scene(*, session: AsyncSession, hotspot_id: int) -> int | None:
    """The id of the scene a hotspot is in, or None."""
    found: int | None = await session.scalar(
        select(Hotspot.scene_id).where(Hotspot.id == hotspot_id))
    return found


def _audit(session: AsyncSession, actor: Actor, action: str, tour: Tour, now: datetime,
           **detail: int | str | list[str]) -> None:
    record(session, actor=actor, action=action, destination_id=tour.destination_id,
           detail={"tourId": tour.id, **detail}, now=now)


async def tours_of_destination(*, session: AsyncSession, actor: Actor, destination_id: int
                               ) -> list[Tour]:
    """Every tour of a destination, published or not, in id order (staff only)."""
    require_staff(actor)
    return list((await session.execute(
        select(Tour).where(Tour.destination_id == destination_id).order_by(Tour.id)
    )).scalars())


async def unplaced_panoramas(*, session: AsyncSession, actor: Actor,
                             limit: int = MAX_UNPLACED) -> list[Panorama]:
    """The newest panoramas that no scene shows (any status), newest first (staff only)."""
    require_staff(actor)
    placed = select(Scene.panorama_id)
    return list((await session.execute(
        select(Panorama).where(Panorama.id.not_in(placed)).order_by(Panorama.id.desc())
        .limit(max(1, min(limit, MAX_UNPLACED))))).scalars())


async def update_tour(*, session: AsyncSession, actor: Actor, tour_id: int,
                      title: dict[str, str] | None = None,
                      description: dict[str, str] | None = None,
                      now: datetime | None = None) -> Tour:
    """A tour with new texts (whole documents: a language left out is removed)."""
    tour = await get_tour(session=session, actor=actor, tour_id=tour_id)
    new_title = _title(title) if title is not None else None
    new_description = (_title(description, "description") if description else {}
                       ) if description is not None else None
    now = now or utcnow()
    if new_title is not None:
        tour.title = new_title
    if new_description is not None:
        tour.description = new_description
    tour.updated_at = now
    _audit(session, actor, "tour.updated", tour, now)
    await session.flush()
    return tour


async def delete_tour(*, session: AsyncSession, actor: Actor, tour_id: int,
                      now: datetime | None = None) -> int:
    """Deletes a tour with its scenes and their hotspots (their panoramas stay); its id."""
    tour = await get_tour(session=session, actor=actor, tour_id=tour_id)
    _audit(session, actor, "tour.deleted", tour, now or utcnow(), slug=tour.slug)
    await session.execute(delete(Tour).where(Tour.id == tour.id))
    session.expunge(tour)
    await session.flush()
    return tour_id


async def update_scene(*, session: AsyncSession, actor: Actor, scene_id: int, edit: SceneEdit,
                       now: datetime | None = None) -> Scene:
    """A scene with new titles, initial view or north offset (each checked as add_scene
    checks it)."""
    scene = await get_scene(session=session, actor=actor, scene_id=scene_id)
    values: dict[str, object] = {}
    if edit.title is not None:
        values["title"] = _title(edit.title)
    if edit.yaw is not None:
        values["initial_yaw"] = _angle(edit.yaw, -180, 180, "yaw")
    if edit.pitch is not None:
        values["initial_pitch"] = _angle(edit.pitch, -90, 90, "pitch")
    if edit.hfov is not None:
        values["initial_hfov"] = _angle(edit.hfov, 30, 120, "hfov")
    if edit.north_offset is not None:
        values["north_offset"] = _angle(edit.north_offset, -360, 360, "northOffset")
    for name, value in values.items():
        setattr(scene, name, value)
    tour = await get_tour(session=session, actor=actor, tour_id=scene.tour_id)
    _audit(session, actor, "scene.updated", tour, now or utcnow(), sceneId=scene.id,
           fields=sorted(values))
    await session.flush()
    await session.refresh(scene, ["lat", "lng"])
    return scene


async def _order(session: AsyncSession, tour_id: int) -> list[Scene]:
    return list((await session.execute(
        select(Scene).where(Scene.tour_id == tour_id).order_by(Scene.position, Scene.id)
    )).scalars())


async def _renumber(session: AsyncSession, scenes: Sequence[Scene]) -> None:
    for position, scene in enumerate(scenes):
        if scene.position != position:
            await session.execute(update(Scene).where(Scene.id == scene.id)
                                  .values(position=position))
            scene.position = position


async def move_scene(*, session: AsyncSession, actor: Actor, scene_id: int, by: int,
                     now: datetime | None = None) -> list[Scene]:
    """A scene moved `by` places (-1: earlier, 1: later; kept within the tour); the tour's
    scenes in their new order."""
    scene = await get_scene(session=session, actor=actor, scene_id=scene_id)
    if by not in (-1, 1):
        raise TourError(Code.INVALID_MOVE, "a scene moves one place up (-1) or down (1)",
                        field="by")
    scenes = await _order(session, scene.tour_id)
    here = next(i for i, s in enumerate(scenes) if s.id == scene.id)
    there = min(max(here + by, 0), len(scenes) - 1)
    scenes.insert(there, scenes.pop(here))
    await _renumber(session, scenes)
    tour = await get_tour(session=session, actor=actor, tour_id=scene.tour_id)
    _audit(session, actor, "scene.moved", tour, now or utcnow(), sceneId=scene.id,
           position=there)
    await session.flush()
    return scenes


async def delete_scene(*, session: AsyncSession, actor: Actor, scene_id: int,
                       now: datetime | None = None) -> int:
    """Deletes a scene, its hotspots and the links to it (QR codes and stops that showed it
    keep their row, without the scene); the others close up. Its id."""
    scene = await get_scene(session=session, actor=actor, scene_id=scene_id)
    tour = await get_tour(session=session, actor=actor, tour_id=scene.tour_id)
    _audit(session, actor, "scene.deleted", tour, now or utcnow(), sceneId=scene.id)
    await session.execute(delete(Hotspot).where(
        (Hotspot.scene_id == scene.id) | (Hotspot.target_scene_id == scene.id)))
    await session.execute(delete(Scene).where(Scene.id == scene.id))
    session.expunge(scene)
    await _renumber(session, await _order(session, tour.id))
    await session.flush()
    return scene_id


async def update_hotspot(*, session: AsyncSession, actor: Actor, hotspot_id: int,
                         edit: HotspotEdit, now: datetime | None = None) -> Hotspot:
    """A hotspot moved or with new content, checked as add_hotspot checks a new one."""
    require_staff(actor)
    hotspot = await _hotspot(session, hotspot_id)
    scene = await get_scene(session=session, actor=actor, scene_id=hotspot.scene_id)
    values: dict[str, object] = {
        "yaw": _angle(edit.yaw, -180, 180, "yaw"),
        "pitch": _angle(edit.pitch, -90, 90, "pitch"),
        "text": _title(edit.text, "text") if edit.text else {}}
    if hotspot.kind == "info" and not edit.text:
        raise TourError(Code.INVALID_HOTSPOT, "an info hotspot needs a text", field="text")
    if hotspot.kind == "scene":
        target = (await session.get(Scene, edit.target_scene_id)
                  if edit.target_scene_id else None)
        if target is None or target.tour_id != scene.tour_id or target.id == scene.id:
            raise TourError(Code.INVALID_HOTSPOT, "link to another scene of the same tour",
                            field="targetSceneId")
        values.update(
            target_scene_id=target.id,
            target_yaw=_angle(edit.target_yaw, -180, 180, "targetYaw")
            if edit.target_yaw is not None else None,
            target_pitch=_angle(edit.target_pitch, -90, 90, "targetPitch")
            if edit.target_pitch is not None else None)
    for name, value in values.items():
        setattr(hotspot, name, value)
    tour = await get_tour(session=session, actor=actor, tour_id=scene.tour_id)
    _audit(session, actor, "hotspot.updated", tour, now or utcnow(), hotspotId=hotspot.id)
    await session.flush()
    return hotspot


async def delete_hotspot(*, session: AsyncSession, actor: Actor, hotspot_id: int,
                         now: datetime | None = None) -> int:
    """Deletes a hotspot; its id."""
    require_staff(actor)
    hotspot = await _hotspot(session, hotspot_id)
    scene = await get_scene(session=session, actor=actor, scene_id=hotspot.scene_id)
    tour = await get_tour(session=session, actor=actor, tour_id=scene.tour_id)
    _audit(session, actor, "hotspot.deleted", tour, now or utcnow(), hotspotId=hotspot.id)
    await session.execute(delete(Hotspot).where(Hotspot.id == hotspot.id))
    session.expunge(hotspot)
    await session.flush()
    return hotspot_id
