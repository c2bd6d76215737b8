"""The audio guide an offline pack carries: the site's own narration (what its own code plays)
and its stops in route order with their texts in the pack's languages, the narration that
serves each of those languages (every audio format of it and its WebVTT transcript, as stored
files) and the printed codes that open a stop, a scene or the site, so that an app resolves a
scanned code without a network.

Each language of the pack is served along core.language's chain for it (requested, then its
fallbacks): a Korean pack of a site narrated in Vietnamese and English carries the English
narrations, and says so (`lang` beside every text and narration).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.language import language_chain, pick
from geo.models import Destination
from media.errors import MediaError, MediaErrorCode
from media.store import MediaStore
from tours import stops as stop_service
from tours.models import Narration, Stop
from tours.viewers import TourScenes


@dataclass(frozen=True, slots=True)
class CodeTarget:
    """A printed code and what it opens (`kind`: destination, stop or scene; the qr area
    gives them: tours does not read its tables)."""

    code: str
    kind: str
    target_id: int


@dataclass(frozen=True, slots=True)
class NarrationFile:
    """A stored file of a narration (audio in one format, or the transcript)."""

    key: str
    bytes: int
    lang: str


@dataclass(frozen=True, slots=True)
class Guide:
    """The guide's documents (`stops.json`: the site's narrations under `site`, then the stops;
    `qr.json`) and the narration files they name."""

    stops: dict[str, Any]
    codes: dict[str, Any]
    files: list[NarrationFile]


def chain_of(lang: str) -> tuple[str, ...]:
    """The chain a pack serves one of its languages along (core.language's)."""
    return language_chain(lang, None)


def localized(texts: Mapping[str, str] | None, languages: Sequence[str]
              ) -> dict[str, dict[str, str]]:
    """A text in each of the pack's languages, with the language it is really in."""
    found: dict[str, dict[str, str]] = {}
    for lang in languages:
        text = pick(texts, chain_of(lang))
        if text is not None:
            found[lang] = {"text": text.text, "lang": text.lang}
    return found


def _narration_document(narration: Narration) -> dict[str, Any]:
    return {"lang": narration.lang, "durationSeconds": narration.duration_s,
            "translation": narration.translation, "transcript": narration.transcript_key,
            "sources": [{"path": s.key, "type": s.content_type, "codec": s.codec,
                         "bytes": s.bytes, "durationSeconds": s.duration_s}
                        for s in stop_service.audio_sources(narration)]}


def _viewpoint(stop: Stop, scene_tours: Mapping[int, int]) -> dict[str, Any] | None:
    scene_id = stop.viewpoint_scene_id
    if scene_id is None or scene_id not in scene_tours:
        return None
    return {"tourId": scene_tours[scene_id], "scene": f"scene-{scene_id}",
            "yaw": stop.viewpoint_yaw, "pitch": stop.viewpoint_pitch,
            "hfov": stop.viewpoint_hfov}


def _size(store: MediaStore, key: str) -> int:
    found = store.head(key)
    if found is None:
        raise MediaError(MediaErrorCode.MEDIA_NOT_FOUND, f"the narration file {key} is missing")
    return found.size


def _served(narrations: Sequence[Narration], languages: Sequence[str],
            carried: dict[int, Narration]) -> dict[str, Any]:
    """Which narration serves each of the pack's languages, and those narrations (noted in
    `carried`, by id)."""
    served: dict[str, str | None] = {}
    for lang in languages:
        narration = stop_service.pick_narration(narrations, chain_of(lang))
        served[lang] = narration.lang if narration else None
        if narration is not None:
            carried[narration.id] = narration
    return {"narrationLanguage": served,
            "narrations": {n.lang: _narration_document(n) for n in narrations
                           if n.lang in served.values()}}


async def guide(*, session: AsyncSession, store: MediaStore, destination: Destination,
                languages: Sequence[str], shown: Sequence[TourScenes],
                codes: Sequence[CodeTarget]) -> Guide:
    """The guide of a destination in the pack's languages (`shown`: its tours as the viewers
    show them, for the stops' viewpoints and the scenes' codes)."""
    route = (await stop_service.stops_of_destinations(
        session=session, destination_ids=[destination.id]))[destination.id]
    narrations = await stop_service.narrations_of_stops(
        session=session, stop_ids=[s.id for s in route])
    own = (await stop_service.narrations_of_sites(
        session=session, destination_ids=[destination.id]))[destination.id]
    scene_tours = {s.id: t.tour.id for t in shown for s in t.shown}
    carried: dict[int, Narration] = {}
    site = _served(own, languages, carried)
    documents = [{"id": stop.id, "position": stop.position,
                  "title": localized(stop.title, languages),
                  "text": localized(stop.text, languages),
                  "viewpoint": _viewpoint(stop, scene_tours),
                  **_served(narrations[stop.id], languages, carried)} for stop in route]
    files = [NarrationFile(key=s.key, bytes=s.bytes, lang=n.lang)
             for n in carried.values() for s in stop_service.audio_sources(n)]
    transcripts = await asyncio.gather(*(asyncio.to_thread(_size, store, n.transcript_key)
                                         for n in carried.values()))
    files += [NarrationFile(key=n.transcript_key, bytes=size, lang=n.lang)
              for n, size in zip(carried.values(), transcripts, strict=True)]
    stop_ids = {s.id for s in route}
    opened = []
    for code in codes:
        if code.kind == "stop" and code.target_id in stop_ids:
            opened.append({"code": code.code, "kind": "stop", "stopId": code.target_id})
        elif code.kind == "scene" and code.target_id in scene_tours:
            opened.append({"code": code.code, "kind": "scene",
                           "tourId": scene_tours[code.target_id],
                           "scene": f"scene-{code.target_id}"})
        elif code.kind == "destination" and code.target_id == destination.id:
            opened.append({"code": code.code, "kind": "destination"})
    return Guide(stops={"destination": destination.slug, "languages": list(languages),
                        "site": site, "stops": documents},
                 codes={"destination": destination.slug,
                        "codes": sorted(opened, key=lambda c: str(c["code"]))},
                 files=files)

