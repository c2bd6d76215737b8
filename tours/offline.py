"""Offline packs: the whole guide of a destination for a trip without a network, in the
languages the visitor chose — its data, its tours' configs with fallback faces and first tile
levels, its stops in route order, their narrations (every audio format and the WebVTT
transcript) and the codes printed on site (`tours.offline_guide`) — with a manifest (every
file by path, its bytes, its language when it is a narration's, and the bytes of each
language) and a zip that opens without a network.

The zip is built once per content version (`pack_version`) into the media store and
downloaded from there (a CDN or a signed URL): never through the app's response, which on
Lambda is capped at 6 MB."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from core.language import LanguageError, language_chain, normalize_tag
from geo.models import Destination
from media.models import Panorama
from media.store import MediaStore, check_key
from media.tiling import layout_for, panorama_prefix
from tours import service as tour_service
from tours import viewers
from tours.offline_guide import CodeTarget, chain_of, guide, localized

#: Pannellum levels carried offline (level 1 is one tile per face; 2 is the next).
OFFLINE_LEVELS = 2
#: The layout of a pack's zip: bump it when what a pack holds changes, and every destination's
#: pack is built anew on its next download.
PACK_FORMAT = 3
#: Where the packs' zips live in the media store, one folder per content version.
PACK_PREFIX = "offline-packs"
#: Languages one pack may be asked in.
MAX_PACK_LANGUAGES = 6
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class PackFile:
    """One file of a pack: its path inside the zip, its URL online, its size, and the language
    of the narration it belongs to (None for the rest: data, tours, panoramas)."""

    path: str
    url: str
    bytes: int
    key: str | None = None  # the store key (None for generated JSON)
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class LanguagePart:
    """What one language's narrations add to a pack: their audio (every format) and
    transcripts."""

    lang: str
    bytes: int
    files: int


@dataclass(frozen=True, slots=True)
class OfflinePack:
    """What a visitor downloads before a trip."""

    destination: str
    languages: tuple[str, ...]
    files: list[PackFile]
    documents: dict[str, bytes]

    @property
    def total_bytes(self) -> int:
        """The size of everything, for "this will take 38 MB"."""
        return sum(f.bytes for f in self.files)

    @property
    def base_bytes(self) -> int:
        """The size of what is not a narration (data, tours, panoramas, stops, codes)."""
        return sum(f.bytes for f in self.files if f.lang is None)

    def language_parts(self) -> list[LanguagePart]:
        """Each language whose narrations the pack holds (a chosen language, or the fallback
        that serves it), with their bytes: base + every part = total."""
        parts: dict[str, list[PackFile]] = {}
        for file in self.files:
            if file.lang is not None:
                parts.setdefault(file.lang, []).append(file)
        return [LanguagePart(lang=lang, bytes=sum(f.bytes for f in found), files=len(found))
                for lang, found in sorted(parts.items())]

    def manifest(self, sha256: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The manifest as JSON: every file by path with its size (and, inside the zip, its
        SHA-256), the bytes of each language and the total."""
        def entry(f: PackFile) -> dict[str, Any]:
            found: dict[str, Any] = {"path": f.path, "url": f.url, "bytes": f.bytes}
            if f.lang is not None:
                found["lang"] = f.lang
            if sha256 is not None:
                found["sha256"] = sha256[f.path]
            return found

        return {"format": PACK_FORMAT, "destination": self.destination,
                "requestedLanguages": list(self.languages),
                "totalBytes": self.total_bytes, "baseBytes": self.base_bytes,
                "languages": [{"lang": p.lang, "bytes": p.bytes, "files": p.files}
                              for p in self.language_parts()],
                "files": [entry(f) for f in self.files]}


def pack_languages(requested: str | None, accept_language: str | None) -> tuple[str, ...]:
    """The languages a pack is asked in: `lang=ko,en` (each a BCP 47 tag; LanguageError when
    one is not, or more than MAX_PACK_LANGUAGES), else the visitor's first language as
    core.language negotiates it from Accept-Language."""
    if not requested:
        return (language_chain(None, accept_language)[0],)
    found: list[str] = []
    for tag in requested.split(","):
        normalized = normalize_tag(tag)
        if normalized not in found:
            found.append(normalized)
    if len(found) > MAX_PACK_LANGUAGES:
        raise LanguageError(f"a pack holds at most {MAX_PACK_LANGUAGES} languages")
    return tuple(found)


def _panorama_names(panorama: Panorama) -> list[str]:
    layout = layout_for(panorama.width, panorama.height)
    names = [k for level in range(1, min(layout.levels, OFFLINE_LEVELS) + 1)
             for k in layout.pannellum_keys(level)]
    return names + layout.fallback_keys() + ["preview.jpg", "thumb.jpg"]


def destination_document(destination: Destination, languages: Sequence[str]) -> dict[str, Any]:
    """The destination as the pack carries it: its texts in each of the pack's languages."""
    return {"slug": destination.slug, "category": destination.category,
            "languages": list(languages),
            "name": localized(destination.name, languages),
            "description": localized(destination.description, languages),
            "address": localized(destination.address, languages),
            "location": {"lat": destination.lat, "lng": destination.lng}}


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


async def offline_pack(*, session: AsyncSession, store: MediaStore, destination: Destination,
                       languages: Sequence[str], codes: Sequence[CodeTarget], base_url: str
                       ) -> OfflinePack:
    """The pack of a destination in the chosen languages (`pack_languages`), with the codes
    that open its site, stops and scenes; base_url is the app's public URL."""
    tours = (await tour_service.tours_of_destinations(
        session=session, destination_ids=[destination.id])).get(destination.id, [])
    shown = await tour_service.viewer_scenes_of_tours(session=session, tours=tours)
    carried = await guide(session=session, store=store, destination=destination,
                          languages=languages, shown=shown, codes=codes)
    documents: dict[str, bytes] = {
        "destination.json": _json(destination_document(destination, languages)),
        "stops.json": _json(carried.stops), "qr.json": _json(carried.codes)}
    panoramas: dict[int, Panorama] = {}
    for tour in shown:
        for lang in languages:
            config = viewers.viewer_config(
                viewers.Viewer.PANNELLUM, tour, base_of=lambda p: panorama_prefix(p.sha256),
                chain=chain_of(lang), max_level=OFFLINE_LEVELS)
            documents[f"tours/{tour.tour.id}/{lang}.pannellum.json"] = _json(config)
        panoramas.update(tour.panoramas)
    asked = ",".join(languages)
    files = [PackFile(path=name, bytes=len(body),
                      url=f"{base_url}/destinations/{destination.slug}/offline/{name}"
                          f"?lang={asked}") for name, body in documents.items()]
    for panorama in panoramas.values():
        prefix = panorama_prefix(panorama.sha256)
        index = await asyncio.to_thread(store.get, f"{prefix}/index.json")
        sizes: dict[str, int] = json.loads(index)["objects"]
        for name in _panorama_names(panorama):
            key = f"{prefix}/{name}"
            files.append(PackFile(path=key, url=store.url(key), bytes=sizes[name], key=key))
    files += [PackFile(path=f.key, url=store.url(f.key), bytes=f.bytes, key=f.key, lang=f.lang)
              for f in carried.files]
    return OfflinePack(destination=destination.slug, languages=tuple(languages), files=files,
                       documents=documents)


def pack_version(pack: OfflinePack) -> str:
    """The pack's content version: a digest of everything that goes into the zip (the
    destination's texts, the stops, the codes and the tours' configs as generated, every
    stored file by its key — which names its panorama's sha256, or is a narration file's own,
    new with every upload — and size) with the languages and the format version."""
    content = {"format": PACK_FORMAT, "destination": pack.destination,
               "languages": list(pack.languages),
               "documents": {name: hashlib.sha256(body).hexdigest()
                             for name, body in sorted(pack.documents.items())},
               "files": sorted((f.path, f.bytes) for f in pack.files if f.key is not None)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def pack_key(pack: OfflinePack) -> str:
    """The store key of the pack's zip: one per content version, named for the download."""
    languages = "_".join(pack.languages)
    return check_key(f"{PACK_PREFIX}/{pack_version(pack)}/{pack.destination}-{languages}.zip")


def _entry(path: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=_EPOCH)  # the same pack, the same bytes
    info.compress_type = compress_type
    return info


def write_pack_zip(pack: OfflinePack, store: MediaStore, target: BinaryIO) -> None:
    """The zip of a pack (JPEG tiles and audio stored, JSON and transcripts deflated), written
    to a file one stored object at a time, and its manifest with every file's SHA-256."""
    digests: dict[str, str] = {}
    with zipfile.ZipFile(target, "w") as archive:
        for file in pack.files:
            body = pack.documents[file.path] if file.key is None else store.get(file.key)
            digests[file.path] = hashlib.sha256(body).hexdigest()
            packed = file.key is None or file.path.endswith(".vtt")
            archive.writestr(_entry(file.path, zipfile.ZIP_DEFLATED if packed
                                    else zipfile.ZIP_STORED), body)
        archive.writestr(_entry("manifest.json", zipfile.ZIP_DEFLATED),
                         json.dumps(pack.manifest(digests), ensure_ascii=False))


def stored_pack(pack: OfflinePack, store: MediaStore) -> str:
    """The key of the pack's zip in the store, built (into a temporary file, then streamed to
    the store) only when no zip of this content version is there yet. Blocking: async callers
    use `asyncio.to_thread`."""
    key = pack_key(pack)
    if store.head(key) is not None:
        return key
    with tempfile.TemporaryDirectory(prefix="tourism-pack-") as folder:
        path = Path(folder) / "pack.zip"
        with path.open("wb") as target:
            write_pack_zip(pack, store, target)
        store.put_file(key, path, "application/zip", immutable=True)
    return key
