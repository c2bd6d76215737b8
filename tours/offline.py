"""Offline packs: a destination's data, its tours' configs, fallback faces and first tile
levels — a manifest (every URL, total bytes) and a zip that opens without a network.

The zip is built once per content version (`pack_version`) into the media store and
downloaded from there (a CDN or a signed URL): never through the app's response, which on
Lambda is capped at 6 MB."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from core.language import pick_text
from geo.models import Destination
from media.models import Panorama
from media.store import MediaStore, check_key
from media.tiling import layout_for, panorama_prefix
from tours import service as tour_service
from tours import viewers

#: Pannellum levels carried offline (level 1 is one tile per face; 2 is the next).
OFFLINE_LEVELS = 2
#: The layout of a pack's zip: bump it when what a pack holds changes, and every destination's
#: pack is built anew on its next download.
PACK_FORMAT = 1
#: Where the packs' zips live in the media store, one folder per content version.
PACK_PREFIX = "offline-packs"
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class PackFile:
    """One file of a pack: its path inside the zip, its URL online, its size."""

    path: str
    url: str
    bytes: int
    key: str | None = None  # the store key (None for generated JSON)


@dataclass(frozen=True, slots=True)
class OfflinePack:
    """What a visitor downloads before a trip."""

    destination: str
    lang: str
    files: list[PackFile]
    documents: dict[str, bytes]

    @property
    def total_bytes(self) -> int:
        """The size of everything, for "this will take 38 MB"."""
        return sum(f.bytes for f in self.files)

    def manifest(self) -> dict[str, Any]:
        """The manifest as JSON: every URL and its size, and the total."""
        return {"destination": self.destination, "lang": self.lang,
                "totalBytes": self.total_bytes,
                "files": [{"path": f.path, "url": f.url, "bytes": f.bytes} for f in self.files]}


def _panorama_names(panorama: Panorama) -> list[str]:
    layout = layout_for(panorama.width, panorama.height)
    names = [k for level in range(1, min(layout.levels, OFFLINE_LEVELS) + 1)
             for k in layout.pannellum_keys(level)]
    return names + layout.fallback_keys() + ["preview.jpg", "thumb.jpg"]


def destination_document(destination: Destination, chain: Sequence[str]) -> dict[str, Any]:
    """The destination as the pack carries it: its texts in the chain's language."""
    return {"slug": destination.slug, "category": destination.category, "lang": chain[0],
            "name": pick_text(destination.name, chain),
            "description": pick_text(destination.description, chain),
            "address": pick_text(destination.address, chain),
            "location": {"lat": destination.lat, "lng": destination.lng}}


async def offline_pack(*, session: AsyncSession, store: MediaStore, destination: Destination,
                       chain: Sequence[str], base_url: str) -> OfflinePack:
    """The pack of a destination in a language chain; base_url is the app's public URL."""
    tours = (await tour_service.tours_of_destinations(
        session=session, destination_ids=[destination.id])).get(destination.id, [])
    shown = await tour_service.viewer_scenes_of_tours(session=session, tours=tours)
    documents: dict[str, bytes] = {"destination.json": json.dumps(
        destination_document(destination, chain), ensure_ascii=False).encode()}
    panoramas: dict[int, Panorama] = {}
    for tour in shown:
        config = viewers.viewer_config(
            viewers.Viewer.PANNELLUM, tour, base_of=lambda p: panorama_prefix(p.sha256),
            chain=chain, max_level=OFFLINE_LEVELS)
        documents[f"tours/{tour.tour.id}.pannellum.json"] = json.dumps(
            config, ensure_ascii=False).encode()
        panoramas.update(tour.panoramas)
    files = [PackFile(path=name, bytes=len(body),
                      url=f"{base_url}/destinations/{destination.slug}/offline/{name}"
                          f"?lang={chain[0]}") for name, body in documents.items()]
    for panorama in panoramas.values():
        prefix = panorama_prefix(panorama.sha256)
        index = await asyncio.to_thread(store.get, f"{prefix}/index.json")
        sizes: dict[str, int] = json.loads(index)["objects"]
        for name in _panorama_names(panorama):
            key = f"{prefix}/{name}"
            files.append(PackFile(path=key, url=store.url(key), bytes=sizes[name], key=key))
    return OfflinePack(destination=destination.slug, lang=chain[0], files=files,
                       documents=documents)


def pack_version(pack: OfflinePack) -> str:
    """The pack's content version: a digest of everything that goes into the zip (the
    destination's texts and the tours' configs as generated, every stored file by its key,
    which names its panorama's sha256, and size) with the language and the format version."""
    content = {"format": PACK_FORMAT, "destination": pack.destination, "lang": pack.lang,
               "documents": {name: hashlib.sha256(body).hexdigest()
                             for name, body in sorted(pack.documents.items())},
               "files": sorted((f.path, f.bytes) for f in pack.files if f.key is not None)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def pack_key(pack: OfflinePack) -> str:
    """The store key of the pack's zip: one per content version, named for the download."""
    return check_key(f"{PACK_PREFIX}/{pack_version(pack)}/{pack.destination}-{pack.lang}.zip")


def _entry(path: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=_EPOCH)  # the same pack, the same bytes
    info.compress_type = compress_type
    return info


def write_pack_zip(pack: OfflinePack, store: MediaStore, target: BinaryIO) -> None:
    """The zip of a pack (JPEG tiles stored, JSON deflated), with its manifest, written to a
    file one stored object at a time."""
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(_entry("manifest.json", zipfile.ZIP_DEFLATED),
                         json.dumps(pack.manifest(), ensure_ascii=False))
        for file in pack.files:
            if file.key is None:
                archive.writestr(_entry(file.path, zipfile.ZIP_DEFLATED),
                                 pack.documents[file.path])
            else:
                archive.writestr(_entry(file.path, zipfile.ZIP_STORED), store.get(file.key))


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
