"""Narrations of stops and of whole sites: every upload or file (audio and WebVTT transcript)
checked before anything is kept, in every format of the same recording; a site's narration
(`NarrationOf.destination_id`) is what its own code plays."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from geo.models import Destination
from media import uploads
from media.audio import AUDIO_TYPES, MAX_AUDIO_BYTES, check_audio
from media.errors import MediaErrorCode
from media.store import MediaStore
from media.uploads import IssuedUpload
from media.webvtt import check_transcript, transcript_text
from tours.errors import TourError
from tours.errors import TourErrorCode as Code
from tours.models import Narration
from tours.stops import (
    AudioSource,
    Translation,
    audio_sources,
    check_lang,
    narration_files,
    stop_or_fail,
)

#: How far apart the lengths of one narration's formats may be, in seconds (an MP3 encoder
#: adds up to a frame of padding and its own start delay to the same recording).
FORMAT_TOLERANCE_S = 0.25
NARRATION_UPLOADS = uploads.UploadPurpose(
    name="narration", content_types=AUDIO_TYPES, max_bytes=MAX_AUDIO_BYTES, expires_s=300,
    keeps_object=True,  # the uploaded object is the narration's audio
    codes={MediaErrorCode.UPLOAD_TYPE_NOT_ALLOWED: MediaErrorCode.AUDIO_TYPE_NOT_ALLOWED,
           MediaErrorCode.UPLOAD_NOT_FOUND: Code.INVALID_NARRATION_KEY,
           MediaErrorCode.UPLOAD_NOT_RECEIVED: Code.NARRATION_UPLOAD_MISSING,
           MediaErrorCode.UPLOAD_TOO_LARGE: MediaErrorCode.AUDIO_TOO_LARGE})


@dataclass(frozen=True, slots=True)
class NarrationOf:
    """What a narration tells of: a stop, or a whole site (its destination)."""

    stop_id: int | None = None
    destination_id: int | None = None

    @property
    def folder(self) -> str:
        """Where the narration's files are kept, before the language."""
        return (f"narrations/{self.stop_id}" if self.stop_id is not None
                else f"narrations/sites/{self.destination_id}")

    @property
    def subject(self) -> dict[str, int]:
        """What an upload is issued for (media.uploads' subject)."""
        return ({"stop_id": self.stop_id} if self.stop_id is not None
                else {"destination_id": self.destination_id or 0})

    def where(self, lang: str) -> Any:
        """The condition of its narration in a language."""
        column = Narration.stop_id if self.stop_id is not None else Narration.destination_id
        return (column == (self.stop_id if self.stop_id is not None else self.destination_id)) \
            & (Narration.lang == lang)


async def narration_of(session: AsyncSession, *, stop_id: int | None,
                       destination_id: int | None) -> NarrationOf:
    """The stop or site a narration is for, checked to exist: exactly one of the two ids."""
    if (stop_id is None) == (destination_id is None):
        raise TourError(Code.INVALID_NARRATION_TARGET,
                        "a narration is of a stop or of a site: give stopId or destinationId",
                        field="stopId")
    if stop_id is not None:
        await stop_or_fail(session, stop_id)
    elif await session.get(Destination, destination_id) is None:
        raise TourError(Code.DESTINATION_NOT_FOUND, f"no destination {destination_id}",
                        field="destinationId")
    return NarrationOf(stop_id=stop_id, destination_id=destination_id)


async def request_narration_upload(*, session: AsyncSession, store: MediaStore, actor: Actor,
                                   stop_id: int | None = None, lang: str, content_type: str,
                                   destination_id: int | None = None,
                                   max_bytes: int = MAX_AUDIO_BYTES,
                                   now: datetime | None = None) -> IssuedUpload:
    """A presigned POST for one narration's audio, issued for the stop (or the site) and
    language; confirm it afterwards (not committed)."""
    require_staff(actor)
    lang = check_lang(lang)
    NARRATION_UPLOADS.extension(content_type)
    of = await narration_of(session, stop_id=stop_id, destination_id=destination_id)
    return await uploads.start_upload(
        session=session, store=store, purpose=NARRATION_UPLOADS, content_type=content_type,
        prefix=f"{of.folder}/{lang}", created_by=actor.account_id,
        subject={**of.subject, "lang": lang}, max_bytes=max_bytes, now=now)


async def confirm_narration_upload(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int | None = None,
    lang: str, key: str, transcript: str | None, translation: Translation | None = None,
    destination_id: int | None = None, max_bytes: int = MAX_AUDIO_BYTES,
    now: datetime | None = None,
) -> Narration:
    """Checks the uploaded object for real (HEAD, audio, transcript) and keeps it: with a
    transcript, as the stop's (or the site's) narration in that language (replacing one there
    was); without, as another format of the narration there is (`add_narration_format`'s
    rules). When refused, the uploaded object is deleted and nothing is kept."""
    require_staff(actor)
    lang = check_lang(lang)
    of = await narration_of(session, stop_id=stop_id, destination_id=destination_id)
    if transcript is None:
        await _narration_or_fail(session, of, lang)
    async with uploads.claim_upload(
            session=session, store=store, purpose=NARRATION_UPLOADS, key=key,
            subject={**of.subject, "lang": lang}, max_bytes=max_bytes,
            now=now) as claimed:
        audio = await claimed.read()
        if transcript is None:
            narration = await _save_format(
                session=session, store=store, of=of, lang=lang, key=key,
                audio=audio, content_type=claimed.content_type, max_bytes=max_bytes)
        else:
            narration = await _save(
                session=session, store=store, of=of, lang=lang, key=key,
                audio=audio, content_type=claimed.content_type, transcript=transcript,
                translation=translation or Translation.ORIGINAL, max_bytes=max_bytes)
        claimed.sha256 = hashlib.sha256(audio).hexdigest()
    return narration


def _new_key(of: NarrationOf, lang: str, content_type: str) -> str:
    extension = NARRATION_UPLOADS.extension(content_type)
    return f"{of.folder}/{lang}/{secrets.token_hex(16)}.{extension}"


async def add_narration(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int | None = None,
    lang: str, audio: bytes, content_type: str, transcript: str, translation: Translation,
    destination_id: int | None = None,
) -> Narration:
    """Checks and stores a narration given as bytes (CLI, console, demo data); replaces the
    stop's (or the site's) narration in that language, every format of it."""
    require_staff(actor)
    lang = check_lang(lang)
    of = await narration_of(session, stop_id=stop_id, destination_id=destination_id)
    key = _new_key(of, lang, content_type)
    return await _save(session=session, store=store, of=of, lang=lang, key=key,
                       audio=audio, content_type=content_type, transcript=transcript,
                       translation=translation, max_bytes=MAX_AUDIO_BYTES, put_audio=True)


async def add_narration_format(
    *, session: AsyncSession, store: MediaStore, actor: Actor, stop_id: int | None = None,
    lang: str, audio: bytes, content_type: str, destination_id: int | None = None,
) -> Narration:
    """Adds the narration's recording in another format (e.g. MP3 beside its Ogg), given as
    bytes, or replaces the one it has in that format. Checked as strictly as the first (a
    lying or broken file is refused with its code), and it must last as long as the
    narration (FORMAT_TOLERANCE_S): else NARRATION_FORMATS_DISAGREE and nothing is written."""
    require_staff(actor)
    lang = check_lang(lang)
    of = await narration_of(session, stop_id=stop_id, destination_id=destination_id)
    await _narration_or_fail(session, of, lang)
    key = _new_key(of, lang, content_type)
    return await _save_format(session=session, store=store, of=of, lang=lang,
                              key=key, audio=audio, content_type=content_type,
                              max_bytes=MAX_AUDIO_BYTES, put_audio=True)


async def _narration_or_fail(session: AsyncSession, of: NarrationOf, lang: str) -> Narration:
    found = (await session.execute(select(Narration).where(of.where(lang)))
             ).scalar_one_or_none()
    if found is None:
        raise TourError(Code.NARRATION_NOT_FOUND,
                        f"{of.folder} has no narration in {lang!r} to add a format to: "
                        "give its first audio with a transcript", field="lang")
    return found


async def _save(*, session: AsyncSession, store: MediaStore, of: NarrationOf, lang: str, key: str,
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
        old = (await session.execute(select(Narration).where(of.where(lang)))
               ).scalar_one_or_none()
        replaced = narration_files(old) if old else []
        if old is not None:
            await session.delete(old)
            await session.flush()
        narration = Narration(stop_id=of.stop_id, destination_id=of.destination_id,
                              lang=lang, audio_key=key,
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


async def _save_format(*, session: AsyncSession, store: MediaStore, of: NarrationOf, lang: str,
                       key: str, audio: bytes, content_type: str, max_bytes: int,
                       put_audio: bool = False) -> Narration:
    info = check_audio(audio, content_type=content_type, max_bytes=max_bytes)
    narration = await _narration_or_fail(session, of, lang)
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
