"""Staff edits of a site's guided stops after they exist: their texts and viewpoint, their
place in the route, deleting a stop (its narrations' files too) and deleting one narration.
Each edit is checked like a new stop, recorded in the audit trail and not committed; a
refused one changes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.time import utcnow
from geo.listings.service import record
from media.store import MediaStore
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Hotspot, Narration, Stop
from tours.narrations import narration_of
from tours.stops import (
    MAX_TEXT,
    MAX_TITLE,
    Viewpoint,
    check_lang,
    check_texts,
    check_viewpoint,
    narration_files,
    stop_or_fail,
)


class Direction(StrEnum):
    """Where a stop moves in its site's route."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class StopEdit:
    """A stop's new fields: None keeps one as it is; `clear_viewpoint` takes the view away."""

    title: dict[str, str] | None = None
    text: dict[str, str] | None = None
    viewpoint: Viewpoint | None = None
    clear_viewpoint: bool = False


async def update_stop(*, session: AsyncSession, actor: Actor, stop_id: int, edit: StopEdit,
                      now: datetime | None = None) -> Stop:
    """Changes a stop's titles, texts (each the whole set of languages) and viewpoint."""
    require_staff(actor)
    stop = await stop_or_fail(session, stop_id)
    title = (check_texts(edit.title, fld="title", limit=MAX_TITLE, required=True)
             if edit.title is not None else None)
    text = (check_texts(edit.text, fld="text", limit=MAX_TEXT, required=False)
            if edit.text is not None else None)
    if edit.viewpoint is not None:
        await check_viewpoint(session, edit.viewpoint)
    changed: list[str] = []
    if title is not None and title != stop.title:
        stop.title, changed = title, [*changed, "title"]
    if text is not None and text != (stop.text or {}):
        stop.text, changed = text, [*changed, "text"]
    view = edit.viewpoint
    if view is not None or edit.clear_viewpoint:
        stop.viewpoint_scene_id = view.scene_id if view else None
        stop.viewpoint_yaw = view.yaw if view else None
        stop.viewpoint_pitch = view.pitch if view else None
        stop.viewpoint_hfov = view.hfov if view else None
        changed.append("viewpoint")
    if changed:
        record(session, actor=actor, action="stop.updated", destination_id=stop.destination_id,
               detail={"stopId": stop.id, "fields": changed}, now=now or utcnow())
    await session.flush()
    return stop


async def _route(session: AsyncSession, destination_id: int) -> list[Stop]:
    stmt = (select(Stop).where(Stop.destination_id == destination_id)
            .order_by(Stop.position, Stop.id))
    return list((await session.execute(stmt)).scalars())


async def move_stop(*, session: AsyncSession, actor: Actor, stop_id: int,
                    direction: Direction, now: datetime | None = None) -> list[Stop]:
    """Moves a stop one place up or down its site's route (renumbered 1…n); the first stays
    first when moved up, the last last when moved down. Gives the route in its new order."""
    require_staff(actor)
    if direction not in set(Direction):
        raise TourError(Code.INVALID_STOP, f"a stop moves up or down, not {direction!r}",
                        field="direction")
    stop = await stop_or_fail(session, stop_id)
    route = await _route(session, stop.destination_id)
    at = next(i for i, s in enumerate(route) if s.id == stop.id)
    to = at - 1 if direction == Direction.UP else at + 1
    if 0 <= to < len(route):
        route[at], route[to] = route[to], route[at]
        record(session, actor=actor, action="stop.moved", destination_id=stop.destination_id,
               detail={"stopId": stop.id, "direction": str(direction)}, now=now or utcnow())
    for position, each in enumerate(route, start=1):
        each.position = position
    await session.flush()
    return route


async def delete_stop(*, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int,
                      now: datetime | None = None) -> None:
    """Deletes a stop with its narrations (and their stored files) and the hotspots that
    opened it; its QR codes stay, pointing nowhere until retargeted (a scan answers 404)."""
    require_staff(actor)
    stop = await stop_or_fail(session, stop_id)
    told = list((await session.execute(select(Narration).where(
        Narration.stop_id == stop.id))).scalars())
    files = [key for narration in told for key in narration_files(narration)]
    for narration in told:
        await session.delete(narration)
    await session.execute(delete(Hotspot).where(Hotspot.kind == "stop",
                                                Hotspot.stop_id == stop.id))
    record(session, actor=actor, action="stop.deleted", destination_id=stop.destination_id,
           detail={"stopId": stop.id, "title": stop.title}, now=now or utcnow())
    await session.delete(stop)
    await session.flush()
    if files:
        await asyncio.to_thread(store.delete_many, files)


async def delete_narration(*, session: AsyncSession, store: MediaStore, actor: Actor,
                           lang: str, stop_id: int | None = None,
                           destination_id: int | None = None,
                           now: datetime | None = None) -> None:
    """Deletes the narration of a stop (or of a site) in one language, every format of it
    and its transcript; NARRATION_NOT_FOUND when there is none."""
    require_staff(actor)
    lang = check_lang(lang)
    of = await narration_of(session, stop_id=stop_id, destination_id=destination_id)
    narration = (await session.execute(select(Narration).where(of.where(lang)))
                 ).scalar_one_or_none()
    if narration is None:
        raise TourError(Code.NARRATION_NOT_FOUND, f"no narration in {lang!r} to delete",
                        field="lang")
    site = destination_id
    if stop_id is not None:
        site = (await stop_or_fail(session, stop_id)).destination_id
    files = narration_files(narration)
    await session.delete(narration)
    record(session, actor=actor, action="narration.deleted", destination_id=site,
           detail={"stopId": stop_id, "lang": lang}, now=now or utcnow())
    await session.flush()
    await asyncio.to_thread(store.delete_many, files)
