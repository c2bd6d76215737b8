"""Offline packs: a destination's data, its tours' configs, fallback faces and first tile
levels — a manifest (every URL, total bytes) and a zip that opens without a network."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.language import pick_text
from geo.models import Destination
from media.models import Panorama
from media.store import MediaStore
from media.tiling import layout_for, panorama_prefix
from tours import service as tour_service
from tours import viewers

#: Pannellum levels carried offline (level 1 is one tile per face; 2 is the next).
OFFLINE_LEVELS = 2


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
        sizes: dict[str, int] = json.loads(store.get(f"{prefix}/index.json"))["objects"]
        for name in _panorama_names(panorama):
            key = f"{prefix}/{name}"
            files.append(PackFile(path=key, url=store.url(key), bytes=sizes[name], key=key))
    return OfflinePack(destination=destination.slug, lang=chain[0], files=files,
                       documents=documents)


def pack_zip(pack: OfflinePack, store: MediaStore) -> bytes:
    """The zip of a pack (JPEG tiles stored, JSON deflated), with its manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(pack.manifest(), ensure_ascii=False),
                         compress_type=zipfile.ZIP_DEFLATED)
        for file in pack.files:
            if file.key is None:
                archive.writestr(file.path, pack.documents[file.path],
                                 compress_type=zipfile.ZIP_DEFLATED)
            else:
                archive.writestr(file.path, store.get(file.key),
                                 compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
