"""Turning one equirectangular image into every object both viewers read, all or nothing.

The image is decoded once; each cube face is projected in strips, tiled, halved to the next
level and tiled again while a thread pool encodes (libjpeg-turbo, GIL released) and stores the
previous tiles. A failure anywhere removes every object this run wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import cv2
import numpy as np

from media.cubemap import FACES, Pixels, project_face
from media.images import ImageHeader, decode
from media.store import MediaStore
from media.tiling import (
    MARZIPANO_PREVIEW_ORDER,
    PREVIEW_WIDTH,
    THUMB_WIDTH,
    Layout,
    layout_for,
    panorama_prefix,
)

JPEG_QUALITY = 82
Progress = Callable[[int, int], None]


@dataclass
class TiledPanorama:
    """What an ingest wrote: its layout and the size of every object, by group."""

    sha256: str
    layout: Layout
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def byte_size(self) -> int:
        """Bytes of every object."""
        return sum(self.sizes.values())

    def group_bytes(self) -> dict[str, int]:
        """Bytes per group: `p1`… Pannellum levels, `mz1`… Marzipano levels, fallback, rest."""
        groups: dict[str, int] = {}
        for key, size in self.sizes.items():
            head = key.split("/", 1)[0]
            if head.isdigit():
                group = f"p{head}"
            elif head == "mz":
                group = "mz" + key.split("/")[1]
            elif head == "fallback":
                group = "fallback"
            else:
                group = key
            groups[group] = groups.get(group, 0) + size
        return groups


def sha256_of(data: bytes) -> str:
    """The content address of an image."""
    return hashlib.sha256(data).hexdigest()


def _encode(pixels: Pixels) -> bytes:
    ok, buffer = cv2.imencode(".jpg", np.ascontiguousarray(pixels),
                              [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buffer.tobytes())


class _Writer:
    """Stores objects from a thread pool, remembering each key written (for the rollback)."""

    def __init__(self, store: MediaStore, prefix: str, total: int, progress: Progress | None):
        self.store, self.prefix = store, prefix
        self.sizes: dict[str, int] = {}
        self.written: list[str] = []
        self.total, self.done = total, 0
        self.progress = progress
        self.lock = threading.Lock()

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> None:
        key = f"{self.prefix}/{name}"
        with self.lock:
            self.written.append(key)
        self.store.put(key, data, content_type, immutable=True)
        self._count(name, len(data))

    def tile(self, name: str, pixels: Pixels, links: tuple[str, ...] = ()) -> None:
        data = _encode(pixels)
        self.put(name, data)
        for link in links:
            key = f"{self.prefix}/{link}"
            with self.lock:
                self.written.append(key)
            self.store.link(f"{self.prefix}/{name}", key)
            self._count(link, len(data))

    def _count(self, name: str, size: int) -> None:
        with self.lock:
            self.sizes[name] = size
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)


def _halve(pixels: Pixels, size: int) -> Pixels:
    out: Pixels = cv2.resize(pixels, (size, size), interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
    return out


def _face_jobs(face: str, pixels: Pixels, layout: Layout, writer: _Writer,
               pool: ThreadPoolExecutor, previews: dict[str, Pixels]) -> list[Future[None]]:
    jobs: list[Future[None]] = []
    marzipano = {m.pannellum_level: m for m in layout.marzipano_levels}
    level_pixels = pixels
    tile = layout.tile_size
    for level in range(layout.levels, 0, -1):
        size = layout.level_size(level)
        if level_pixels.shape[0] != size:
            level_pixels = _halve(level_pixels, size)
        across = layout.tiles_across(level)
        mz = marzipano.get(level)
        for y in range(across):
            for x in range(across):
                crop = level_pixels[y * tile:(y + 1) * tile, x * tile:(x + 1) * tile]
                links = (f"mz/{mz.z}/{face}/{y}/{x}.jpg",) if mz and mz.shared else ()
                jobs.append(pool.submit(writer.tile, f"{level}/{face}{y}_{x}.jpg", crop, links))
        if mz is not None and not mz.shared:
            t = mz.tile_size
            for y in range(mz.size // t):
                for x in range(mz.size // t):
                    crop = level_pixels[y * t:(y + 1) * t, x * t:(x + 1) * t]
                    jobs.append(pool.submit(writer.tile, f"mz/{mz.z}/{face}/{y}/{x}.jpg", crop))
        if mz is not None and mz.z == 1:
            previews[face] = _halve(level_pixels, layout.marzipano_preview_size)
        below = layout.level_size(level - 1) if level > 1 else 0
        if size >= layout.fallback_size > below:
            fallback = (level_pixels if size == layout.fallback_size
                        else _halve(level_pixels, layout.fallback_size))
            jobs.append(pool.submit(writer.tile, f"fallback/{face}.jpg", fallback))
    return jobs


def _equirect_images(pixels: Pixels, writer: _Writer) -> None:
    height, width = pixels.shape[:2]
    for name, target in (("preview.jpg", PREVIEW_WIDTH), ("thumb.jpg", THUMB_WIDTH)):
        w = min(width, target)
        small: Pixels = cv2.resize(  # type: ignore[assignment]
            pixels, (w, max(1, w // 2)), interpolation=cv2.INTER_AREA)
        writer.tile(name, small)


def tile_panorama(data: bytes, header: ImageHeader, store: MediaStore, *,
                  progress: Progress | None = None, workers: int | None = None
                  ) -> TiledPanorama:
    """Writes every object of a checked image to the store; on failure removes them all."""
    sha = sha256_of(data)
    layout = layout_for(header.width, header.height)
    prefix = panorama_prefix(sha)
    total = layout.tile_count + 6 + 5
    writer = _Writer(store, prefix, total, progress)
    pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2,
                              thread_name_prefix="tiles")
    strips = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2,
                                thread_name_prefix="strips")
    pending: list[Future[None]] = []
    try:
        writer.put(f"source.{header.extension}", data, header.content_type)
        equirect = decode(data, header)
        _equirect_images(equirect, writer)
        previews: dict[str, Pixels] = {}
        for face in FACES:
            pixels = project_face(equirect, face, layout.face_size, pool=strips)
            _wait(pending)  # at most two faces in memory: the one projected, the one encoding
            pending = _face_jobs(face, pixels, layout, writer, pool, previews)
        del equirect
        _wait(pending)
        strip = np.concatenate([previews[f] for f in MARZIPANO_PREVIEW_ORDER], axis=0)
        writer.tile("cube-preview.jpg", strip)
        index = {"sha256": sha, "width": header.width, "height": header.height,
                 "objects": dict(sorted(writer.sizes.items()))}
        writer.put("index.json", json.dumps(index).encode(), "application/json")
    except BaseException:
        for job in pending:
            job.cancel()
        wait(pending)
        pool.shutdown(wait=True)
        strips.shutdown(wait=True)
        store.delete_many(list(writer.written))
        raise
    pool.shutdown(wait=True)
    strips.shutdown(wait=True)
    return TiledPanorama(sha256=sha, layout=layout, sizes=dict(writer.sizes))


def _wait(jobs: list[Future[None]]) -> None:
    for job in jobs:
        job.result()
