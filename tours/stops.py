"""Guided stops and their narrations: reading them in route order, creating them, and
checking every narration upload (audio and WebVTT transcript) before anything is kept."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.language import LanguageError, best_match, normalize_tag
from geo.models import Destination
from media import uploads
from media.audio import AUDIO_TYPES, MAX_AUDIO_BYTES, check_audio
from media.errors import MediaErrorCode
from media.store import MediaStore
from media.uploads import IssuedUpload
from media.webvtt import check_transcript, transcript_text
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Narration, Scene, Stop

MAX_TITLE = 300
#: How far apart the lengths of one narration's formats may be, in seconds (an MP3 encoder
#: adds up to a frame of padding and its own start delay to the same recording).
FORMAT_TOLERANCE_S = 0.25
MAX_TEXT = 20_000
NARRATION_UPLOADS = uploads.UploadPurpose(
    name="narration", content_types=AUDIO_TYPES, max_bytes=MAX_AUDIO_BYTES, expires_s=300,
    keeps_object=True,  # the uploaded object is the narration's audio
    codes={MediaErrorCode.UPLOAD_TYPE_NOT_ALLOWED: MediaErrorCode.AUDIO_TYPE_NOT_ALLOWED,
           MediaErrorCode.UPLOAD_NOT_FOUND: Code.INVALID_NARRATION_KEY,
           MediaErrorCode.UPLOAD_NOT_RECEIVED: Code.NARRATION_UPLOAD_MISSING,
           MediaErrorCode.UPLOAD_TOO_LARGE: MediaErrorCode.AUDIO_TOO_LARGE})


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


def _texts(values: dict[str, str], *, fld: str, limit: int, required: bool) -> dict[str, str]:
    out = {check_lang(k, fld=fld): v.strip() for k, v in values.items()
           if isinstance(v, str) and v.strip()}
    if required and not out:
        raise TourError(Code.INVALID_STOP, f"a stop needs a {fld} in at least one language",
                        field=fld)
    if any(len(v) > limit for v in out.values()):
        raise TourError(Code.INVALID_STOP, f"a {fld} is longer than {limit} characters",
                        field=fld)
    return out


async def _check_viewpoint(session: AsyncSession, viewpoint: Viewpoint) -> None:
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
    title = _texts(data.title, fld="title", limit=MAX_TITLE, required=True)
    text = _texts(data.text, fld="text", limit=MAX_TEXT, required=False)
    if await session.get(Destination, data.destination_id) is None:
        raise TourError(Code.INVALID_STOP, f"no destination {data.destination_id}",
                        field="destinationId")
    if data.viewpoint is not None:
        await _check_viewpoint(session, data.viewpoint)
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
        result[narration.stop_id].append(narration)
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


def pick_narration(narrations: Sequence[Narration], chain: Sequence[str]) -> Narration | None:
    """The narration in the first language of the chain that has one (core.language's
    matching); None when no language of the chain has one."""
    found = best_match((n.lang for n in narrations), chain)
    return next((n for n in narrations if n.lang == found), None)


async def _stop_or_fail(session: AsyncSession, stop_id: int) -> Stop:
    stop = await session.get(Stop, stop_id)
    if stop is None:
        raise TourError(Code.STOP_NOT_FOUND, f"no stop {stop_id}", field="stopId")
    return stop


async def request_narration_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                                   stop_id: int, lang: str, content_type: str,
                                   max_bytes: int = MAX_AUDIO_BYTES,
                                   now: datetime | None = None) -> IssuedUpload:
    """A presigned POST for one narration's audio, issued for the stop and language; confirm
    it afterwards (not committed)."""
    require_staff(actor)
    lang = check_lang(lang)
    NARRATION_UPLOADS.extension(content_type)
    await _stop_or_fail(session, stop_id)
    return await uploads.start_upload(
        session=session, store=store, purpose=NARRATION_UPLOADS, content_type=content_type,
        prefix=_folder(stop_id, lang), created_by=actor.account_id,
        subject={"stop_id": stop_id, "lang": lang}, max_bytes=max_bytes, now=now)


async def confirm_narration_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int, lang: str,
    key: str, transcript: str | None, translation: Translation | None = None,
    max_bytes: int = MAX_AUDIO_BYTES, now: datetime | None = None,
) -> Narration:
    """Checks the uploaded object for real (HEAD, audio, transcript) and keeps it: with a
    transcript, as the stop's narration in that language (replacing one there was); without,
    as another format of the narration there is (`add_narration_format`'s rules). When
    refused, the uploaded object is deleted and nothing is kept."""
    require_staff(actor)
    lang = check_lang(lang)
    await _stop_or_fail(session, stop_id)
    if transcript is None:
        await _narration_or_fail(session, stop_id, lang)
    async with uploads.claim_upload(
            session=session, store=store, purpose=NARRATION_UPLOADS, key=key,
            subject={"stop_id": stop_id, "lang": lang}, max_bytes=max_bytes,
            now=now) as claimed:
        audio = await claimed.read()
        if transcript is None:
            narration = await _save_format(
                session=session, store=store, stop_id=stop_id, lang=lang, key=key,
                audio=audio, content_type=claimed.content_type, max_bytes=max_bytes)
        else:
            narration = await _save(
                session=session, store=store, stop_id=stop_id, lang=lang, key=key,
                audio=audio, content_type=claimed.content_type, transcript=transcript,
                translation=translation or Translation.ORIGINAL, max_bytes=max_bytes)
        claimed.sha256 = hashlib.sha256(audio).hexdigest()
    return narration


def _folder(stop_id: int, lang: str) -> str:
    return f"narrations/{stop_id}/{lang}"


def _new_key(stop_id: int, lang: str, content_type: str) -> str:
    extension = NARRATION_UPLOADS.extension(content_type)
    return f"{_folder(stop_id, lang)}/{secrets.token_hex(16)}.{extension}"


async def add_narration(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int, lang: str,
    audio: bytes, content_type: str, transcript: str, translation: Translation,
) -> Narration:
    """Checks and stores a narration given as bytes (CLI, demo data); replaces the stop's
    narration in that language, every format of it."""
    require_staff(actor)
    lang = check_lang(lang)
    await _stop_or_fail(session, stop_id)
    key = _new_key(stop_id, lang, content_type)
    return await _save(session=session, store=store, stop_id=stop_id, lang=lang, key=key,
                       audio=audio, content_type=content_type, transcript=transcript,
                       translation=translation, max_bytes=MAX_AUDIO_BYTES, put_audio=True)


async def add_narration_format(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int, lang: str,
    audio: bytes, content_type: str,
) -> Narration:
    """Adds the narration's recording in another format (e.g. MP3 beside its Ogg), given as
    bytes, or replaces the one it has in that format. Checked as strictly as the first (a
    lying or broken file is refused with its code), and it must last as long as the
    narration (FORMAT_TOLERANCE_S): else NARRATION_FORMATS_DISAGREE and nothing is written."""
    require_staff(actor)
    lang = check_lang(lang)
    await _stop_or_fail(session, stop_id)
    await _narration_or_fail(session, stop_id, lang)
    key = _new_key(stop_id, lang, content_type)
    return await _save_format(session=session, store=store, stop_id=stop_id, lang=lang,
                              key=key, audio=audio, content_type=content_type,
                              max_bytes=MAX_AUDIO_BYTES, put_audio=True)


async def _narration_or_fail(session: AsyncSession, stop_id: int, lang: str) -> Narration:
    found = (await session.execute(select(Narration).where(
        Narration.stop_id == stop_id, Narration.lang == lang))).scalar_one_or_none()
    if found is None:
        raise TourError(Code.NARRATION_NOT_FOUND,
                        f"stop {stop_id} has no narration in {lang!r} to add a format to: "
                        "give its first audio with a transcript", field="lang")
    return found


async def _save(*, session: AsyncSession, store: MediaStore, stop_id: int, lang: str, key: str,
                audio: bytes, content_type: str, transcript: str, translation: Translation,
                max_bytes: int, put_audio: bool = False) -> Narration:
    if translation not in set(Translation):
        raise TourError(Code.INVALID_STOP, f"unknown translation {translation!r}",
                        field="translation")
    info = check_audio(audio, content_type=content_type, max_bytes=max_bytes)
    cues = check_transcript(transcript, duration_s=info.duration_s)
    transcript_key = key.rsplit(".", 1)[0] + ".vtt"
    written = [transcript_key, *([key] if put_audio else [])]
    try:
        if put_audio:
            await asyncio.to_thread(store.put, key, audio, content_type, immutable=True)
        await asyncio.to_thread(store.put, transcript_key, transcript.encode("utf-8"),
                                "text/vtt", immutable=True)
        old = (await session.execute(select(Narration).where(
            Narration.stop_id == stop_id, Narration.lang == lang))).scalar_one_or_none()
        replaced = [*(s.key for s in audio_sources(old)), old.transcript_key] if old else []
        if old is not None:
            await session.delete(old)
            await session.flush()
        narration = Narration(stop_id=stop_id, lang=lang, audio_key=key,
                              audio_type=content_type, audio_codec=info.codec,
                              audio_bytes=info.size, duration_s=info.duration_s,
                              alternatives=[], transcript_key=transcript_key,
                              transcript_text=transcript_text(cues),
                              translation=str(translation))
        session.add(narration)
        await session.flush()
    except BaseException:
        await asyncio.to_thread(store.delete_many, written)
        raise
    if replaced:
        await asyncio.to_thread(store.delete_many, replaced)
    return narration


async def _save_format(*, session: AsyncSession, store: MediaStore, stop_id: int, lang: str,
                       key: str, audio: bytes, content_type: str, max_bytes: int,
                       put_audio: bool = False) -> Narration:
    info = check_audio(audio, content_type=content_type, max_bytes=max_bytes)
    narration = await _narration_or_fail(session, stop_id, lang)
    if abs(info.duration_s - narration.duration_s) > FORMAT_TOLERANCE_S:
        raise TourError(Code.NARRATION_FORMATS_DISAGREE,
                        f"this {content_type} lasts {info.duration_s:.2f} s, the narration "
                        f"{narration.duration_s:.2f} s: it is not the same recording",
                        field="key" if not put_audio else "audio")
    source = AudioSource(key=key, content_type=content_type, codec=info.codec,
                         bytes=info.size, duration_s=info.duration_s)
    replaced = [s.key for s in audio_sources(narration) if s.content_type == content_type]
    try:
        if put_audio:
            await asyncio.to_thread(store.put, key, audio, content_type, immutable=True)
        if narration.audio_type == content_type:
            narration.audio_key, narration.audio_codec = key, info.codec
            narration.audio_bytes, narration.duration_s = info.size, info.duration_s
        else:
            narration.alternatives = [
                *(a for a in narration.alternatives if a["type"] != content_type),
                source.document()]
        await session.flush()
    except BaseException:
        if put_audio:
            await asyncio.to_thread(store.delete_many, [key])
        raise
    if replaced:
        await asyncio.to_thread(store.delete_many, replaced)
    return narration
