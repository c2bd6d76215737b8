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

from geo.models import Destination
from media import service as media_service
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


def _offline_config(config: dict[str, Any], panoramas: dict[int, Panorama]) -> dict[str, Any]:
    by_sha = {p.sha256: p for p in panoramas.values()}
    for scene in config["scenes"].values():
        multi = scene["multiRes"]
        panorama = by_sha[multi["basePath"].rsplit("/", 1)[-1]]
        layout = layout_for(panorama.width, panorama.height)
        top = min(layout.levels, OFFLINE_LEVELS)
        multi.update(maxLevel=top, cubeResolution=layout.level_size(top))
    return config


async def offline_pack(*, session: AsyncSession, store: MediaStore, destination: Destination,
                       chain: Sequence[str], base_url: str, destination_data: dict[str, Any],
                       ) -> OfflinePack:
    """The pack of a destination in a language chain; base_url is the app's public URL."""
    tours = (await tour_service.tours_of_destinations(
        session=session, destination_ids=[destination.id])).get(destination.id, [])
    scenes = await tour_service.scenes_of_tours(session=session, tour_ids=[t.id for t in tours])
    all_scenes = [s for t in tours for s in scenes.get(t.id, [])]
    spots = await tour_service.hotspots_of_scenes(session=session,
                                                  scene_ids=[s.id for s in all_scenes])
    found = await media_service.get_panoramas(session=session,
                                              ids=[s.panorama_id for s in all_scenes])
    panoramas = {p.id: p for p in found if p is not None}
    documents: dict[str, bytes] = {
        "destination.json": json.dumps(destination_data, ensure_ascii=False).encode()}
    for tour in tours:
        config = viewers.pannellum_config(
            tour=tour, scenes=scenes.get(tour.id, []), hotspots=spots, panoramas=panoramas,
            base_of=lambda p: panorama_prefix(p.sha256), chain=chain)
        documents[f"tours/{tour.id}.pannellum.json"] = json.dumps(
            _offline_config(config, panoramas), ensure_ascii=False).encode()
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
