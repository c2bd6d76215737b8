"""Guided stops and their narrations: reading them in route order and creating them; reading
narrations (of a stop, or of a whole site) and picking one for a visitor. Narrations are
checked and kept by tours.narrations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.language import LanguageError, best_match, normalize_tag
from geo.models import Destination
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Narration, Scene, Stop

MAX_TITLE = 300
MAX_TEXT = 20_000


class Translation(StrEnum):
    """Who wrote a narration's text in its language."""

    ORIGINAL = "original"
    HUMAN = "human"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class Viewpoint:
    """Where a stop is seen in a 360° tour: a scene and the view's angles in degrees."""

    scene_id: int
    yaw: float = 0.0
    pitch: float = 0.0
    hfov: float = 100.0


@dataclass(slots=True)
class NewStop:
    """The fields of a stop to create."""

    destination_id: int
    title: dict[str, str]
    text: dict[str, str] = field(default_factory=dict)
    position: int | None = None
    viewpoint: Viewpoint | None = None


def check_lang(lang: str, *, fld: str = "lang") -> str:
    """A BCP 47 tag in canonical case (core.language's grammar); TourError otherwise."""
    try:
        return normalize_tag(lang, field=fld)
    except LanguageError as exc:
        raise TourError(exc.code, exc.message, field=fld) from exc


def check_texts(values: dict[str, str], *, fld: str, limit: int, required: bool
                ) -> dict[str, str]:
    """A stop's texts by language, trimmed and checked (tags, lengths, one at least)."""
    out = {check_lang(k, fld=fld): v.strip() for k, v in values.items()
           if isinstance(v, str) and v.strip()}
    if required and not out:
        raise TourError(Code.INVALID_STOP, f"a stop needs a {fld} in at least one language",
                        field=fld)
    if any(len(v) > limit for v in out.values()):
        raise TourError(Code.INVALID_STOP, f"a {fld} is longer than {limit} characters",
                        field=fld)
    return out


async def check_viewpoint(session: AsyncSession, viewpoint: Viewpoint) -> None:
    """Refuses a viewpoint out of range or on no scene (INVALID_VIEWPOINT)."""
    if not (-180 <= viewpoint.yaw <= 360 and -90 <= viewpoint.pitch <= 90
            and 10 <= viewpoint.hfov <= 150):
        raise TourError(Code.INVALID_VIEWPOINT,
                        "yaw must be in -180..360, pitch in -90..90, hfov in 10..150 "
                        "degrees",
                        field="viewpoint")
    if await session.get(Scene, viewpoint.scene_id) is None:
        raise TourError(Code.INVALID_VIEWPOINT, f"no scene {viewpoint.scene_id}",
                        field="viewpoint")


async def create_stop(*, session: AsyncSession, actor: Actor, data: NewStop) -> Stop:
    """Creates a stop at the end of its site's route, or at a given position (not committed)."""
    require_staff(actor)
    title = check_texts(data.title, fld="title", limit=MAX_TITLE, required=True)
    text = check_texts(data.text, fld="text", limit=MAX_TEXT, required=False)
    if await session.get(Destination, data.destination_id) is None:
        raise TourError(Code.INVALID_STOP, f"no destination {data.destination_id}",
                        field="destinationId")
    if data.viewpoint is not None:
        await check_viewpoint(session, data.viewpoint)
    position = data.position
    if position is None:
        last = await session.scalar(select(func.max(Stop.position))
                                    .where(Stop.destination_id == data.destination_id))
        position = (last or 0) + 1
    elif not 0 <= position <= 100_000:
        raise TourError(Code.INVALID_STOP, "position must be between 0 and 100000",
                        field="position")
    view = data.viewpoint
    stop = Stop(destination_id=data.destination_id, position=position, title=title, text=text,
                viewpoint_scene_id=view.scene_id if view else None,
                viewpoint_yaw=view.yaw if view else None,
                viewpoint_pitch=view.pitch if view else None,
                viewpoint_hfov=view.hfov if view else None)
    session.add(stop)
    await session.flush()
    return stop


async def get_stop(*, session: AsyncSession, stop_id: int) -> Stop | None:
    """Gets a stop by its id."""
    found: Stop | None = await session.get(Stop, stop_id)
    return found


async def get_stops(*, session: AsyncSession, ids: Sequence[int]) -> list[Stop | None]:
    """Gets stops by id, in the order of ids (None where missing): one statement."""
    if not ids:
        return []
    found = {s.id: s for s in (await session.execute(
        select(Stop).where(Stop.id.in_(set(ids))))).scalars()}
    return [found.get(i) for i in ids]


async def viewpoint_scenes(*, session: AsyncSession, ids: Sequence[int]) -> list[Scene | None]:
    """The scenes of stops' viewpoints by id, in the order of ids, one statement."""
    if not ids:
        return []
    found = {s.id: s for s in (await session.execute(
        select(Scene).where(Scene.id.in_(set(ids))))).scalars()}
    return [found.get(i) for i in ids]


async def stops_of_destinations(*, session: AsyncSession, destination_ids: Sequence[int]
                                ) -> dict[int, list[Stop]]:
    """The stops of several destinations in route order, one statement."""
    result: dict[int, list[Stop]] = {i: [] for i in destination_ids}
    if not destination_ids:
        return result
    stmt = (select(Stop).where(Stop.destination_id.in_(set(destination_ids)))
            .order_by(Stop.destination_id, Stop.position, Stop.id))
    for stop in (await session.execute(stmt)).scalars():
        result[stop.destination_id].append(stop)
    return result


async def narrations_of_stops(*, session: AsyncSession, stop_ids: Sequence[int]
                              ) -> dict[int, list[Narration]]:
    """The narrations of several stops, by language, one statement."""
    result: dict[int, list[Narration]] = {i: [] for i in stop_ids}
    if not stop_ids:
        return result
    stmt = (select(Narration).where(Narration.stop_id.in_(set(stop_ids)))
            .order_by(Narration.stop_id, Narration.lang))
    for narration in (await session.execute(stmt)).scalars():
        result[narration.stop_id or 0].append(narration)
    return result


async def narrations_of_sites(*, session: AsyncSession, destination_ids: Sequence[int]
                              ) -> dict[int, list[Narration]]:
    """The site narrations of several destinations, by language, one statement."""
    result: dict[int, list[Narration]] = {i: [] for i in destination_ids}
    if not destination_ids:
        return result
    stmt = (select(Narration).where(Narration.destination_id.in_(set(destination_ids)))
            .order_by(Narration.destination_id, Narration.lang))
    for narration in (await session.execute(stmt)).scalars():
        result[narration.destination_id or 0].append(narration)
    return result


@dataclass(frozen=True, slots=True)
class AudioSource:
    """One format of a narration's recording: where it is stored, its type and length."""

    key: str
    content_type: str
    codec: str
    bytes: int
    duration_s: float

    def document(self) -> dict[str, Any]:
        """The source as `Narration.alternatives` keeps it."""
        return {"key": self.key, "type": self.content_type, "codec": self.codec,
                "bytes": self.bytes, "durationS": self.duration_s}


def audio_sources(narration: Narration) -> list[AudioSource]:
    """Every format of a narration's recording: the one it was first given in, then the
    others in the order they were added (an `<audio>` element's `<source>`s)."""
    first = AudioSource(key=narration.audio_key, content_type=narration.audio_type,
                        codec=narration.audio_codec, bytes=narration.audio_bytes,
                        duration_s=narration.duration_s)
    return [first, *(AudioSource(key=a["key"], content_type=a["type"], codec=a["codec"],
                                 bytes=int(a["bytes"]), duration_s=float(a["durationS"]))
                     for a in narration.alternatives or [])]


def narration_files(narration: Narration) -> list[str]:
    """The store keys of every file of a narration: each audio format, then the transcript."""
    return [*(s.key for s in audio_sources(narration)), narration.transcript_key]


def pick_narration(narrations: Sequence[Narration], chain: Sequence[str]) -> Narration | None:
    """The narration in the first language of the chain that has one (core.language's
    matching); None when no language of the chain has one."""
    found = best_match((n.lang for n in narrations), chain)
    return next((n for n in narrations if n.lang == found), None)


async def stop_or_fail(session: AsyncSession, stop_id: int) -> Stop:
    """The stop of an id; STOP_NOT_FOUND when there is none."""
    stop = await session.get(Stop, stop_id)
    if stop is None:
        raise TourError(Code.STOP_NOT_FOUND, f"no stop {stop_id}", field="stopId")
    return stop
