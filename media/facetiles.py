"""Cutting one cube face into the tiles of every level of both viewers, a band of rows at a time.

The full-resolution face is never held whole: it arrives in bands of one tile row (512 rows),
each band's tiles are encoded straight from views of it, and the band is halved into the next
level, which is the first one kept whole. Marzipano's top-level tiles, when they are not
Pannellum's (5208-px faces have 651-px tiles), are gathered from the bands by `RowGroups`.
The lower levels are each made from the one above (`shrink`) and cut into tile rows that a
thread pool encodes (`JobRunner` is whatever runs a job later: the ingest's pool). Bands, the
level below the top and gathered rows come from `Buffers` and go back to it: a 16384×8192
ingest reuses a few arrays instead of faulting in a gigabyte of fresh pages.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from functools import partial
from typing import Protocol

import cv2
import numpy as np

from media.cubemap import FaceProjector, Pixels
from media.store import MediaStore
from media.tiling import Layout, MarzipanoLevel

JPEG_QUALITY = 82
Progress = Callable[[int, int], None]


class JobRunner(Protocol):
    """Runs a job later, on some worker thread."""

    def submit(self, job: Callable[[], None], *, then: Callable[[], None] | None = None
               ) -> None:
        """Queue a job; `then` runs after it (or instead of it, once a job has failed)."""


class Buffers:
    """Pixel arrays handed back for reuse: fresh memory costs page faults and raises the peak."""

    def __init__(self) -> None:
        self.free: dict[tuple[int, ...], list[Pixels]] = {}
        self.lock = threading.Lock()

    def take(self, shape: tuple[int, ...]) -> Pixels:
        """An array of this shape (its content is whatever was left in it)."""
        with self.lock:
            stack = self.free.get(shape)
            if stack:
                return stack.pop()
        return np.empty(shape, np.uint8)

    def give(self, array: Pixels) -> None:
        """Hand an array back once nothing reads it any more."""
        with self.lock:
            self.free.setdefault(array.shape, []).append(array)


def encode_jpeg(pixels: Pixels) -> bytes:
    """JPEG bytes of an (h, w, 3) BGR array or view (libjpeg-turbo through OpenCV)."""
    ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buffer.tobytes())


def shrink(pixels: Pixels, size: int, rows: int | None = None, out: Pixels | None = None
           ) -> Pixels:
    """The pixels resized to `size` columns (and `rows` rows, `size` by default): by area
    from twice the size or more, bilinearly below that (1300 → 1024 px: 6× faster, and a
    sample spacing under 2 px leaves nothing for area averaging to gather)."""
    shape = (size, size if rows is None else rows)
    how = cv2.INTER_AREA if pixels.shape[1] >= 2 * size else cv2.INTER_LINEAR
    if out is not None:
        cv2.resize(pixels, shape, dst=out, interpolation=how)
        return out
    small: Pixels = cv2.resize(pixels, shape, interpolation=how)  # type: ignore[assignment]
    return small


class TileWriter:
    """Encodes and stores objects from many threads, remembering every key (for the rollback)."""

    def __init__(self, store: MediaStore, prefix: str, total: int, progress: Progress | None):
        self.store, self.prefix = store, prefix
        self.sizes: dict[str, int] = {}
        self.written: list[str] = []
        self.total, self.done = total, 0
        self.progress = progress
        self.lock = threading.Lock()

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """Store one object under the panorama's prefix."""
        key = f"{self.prefix}/{name}"
        with self.lock:
            self.written.append(key)
        self.store.put(key, data, content_type, immutable=True)
        self._count(name, len(data))

    def tile(self, name: str, pixels: Pixels, links: tuple[str, ...] = ()) -> None:
        """Encode pixels once, store them, and link the other names that share them."""
        data = encode_jpeg(pixels)
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


class RowGroups:
    """Gathers bands of rows, arriving in any order, into the rows of another tile grid."""

    def __init__(self, size: int, tile: int, buffers: Buffers):
        self.size, self.tile, self.buffers = size, tile, buffers
        self.partial: dict[int, Pixels] = {}
        self.filled: dict[int, int] = {}
        self.lock = threading.Lock()

    def add(self, start: int, band: Pixels) -> list[tuple[int, Pixels, bool]]:
        """The tile rows (index, pixels, gathered) that this band completes; gathered rows go
        back to the buffers once their tiles are made."""
        stop, tile = start + band.shape[0], self.tile
        complete: list[tuple[int, Pixels, bool]] = []
        for row in range(start // tile, math.ceil(stop / tile)):
            top, bottom = row * tile, min((row + 1) * tile, self.size)
            low, high = max(start, top), min(stop, bottom)
            if (low, high) == (top, bottom):  # inside this band: a view, no copy
                complete.append((row, band[low - start:high - start], False))
                continue
            with self.lock:
                if row not in self.partial:
                    self.partial[row] = self.buffers.take((bottom - top, *band.shape[1:]))
                    self.filled[row] = 0
                rows = self.partial[row]
            rows[low - top:high - top] = band[low - start:high - start]
            with self.lock:
                self.filled[row] += high - low
                if self.filled[row] == bottom - top:
                    complete.append((row, self.partial.pop(row), True))
                    del self.filled[row]
        return complete


class FaceTiler:
    """Every tile of one face: its top level fed band by band, the levels below kept whole."""

    def __init__(self, face: str, layout: Layout, writer: TileWriter, jobs: JobRunner,
                 buffers: Buffers, previews: dict[str, Pixels]):
        self.face, self.layout, self.writer, self.jobs = face, layout, writer, jobs
        self.buffers, self.previews = buffers, previews
        self.marzipano = {m.pannellum_level: m for m in layout.marzipano_levels}
        size, top = layout.face_size, layout.levels
        self.band_rows = layout.tile_size
        self.bands_left = math.ceil(size / self.band_rows)
        self.open_jobs = 0
        self.lock = threading.Lock()
        preview_level = layout.marzipano_levels[0].pannellum_level
        #: The whole top level is kept only when a small face needs it for more than tiles.
        keep_top = top == 1 or top in (layout.fallback_level, preview_level)
        self.top: Pixels | None = np.empty((size, size, 3), np.uint8) if keep_top else None
        self.below: Pixels | None = None  # taken with the first band: faces overlap less
        top_mz = self.marzipano.get(top)
        self.groups = (RowGroups(size, top_mz.tile_size, buffers)
                       if top_mz is not None and not top_mz.shared and not keep_top else None)

    def make_band(self, projector: FaceProjector, start: int) -> None:
        """Project the top-level rows [start, start + band) and write what they hold."""
        rows = min(self.band_rows, self.layout.face_size - start)
        size = self.layout.face_size
        buffer: Pixels | None = None
        if self.top is not None:
            band = self.top[start:start + rows]
        else:
            buffer = self.buffers.take((self.band_rows, size, 3))
            band = buffer[:rows]
        projector.project(self.face, start, band)
        level, tile = self.layout.levels, self.layout.tile_size
        self._pannellum_row(level, band, start // tile)
        if self.groups is not None:
            mz = self.marzipano[level]
            for row, pixels, gathered in self.groups.add(start, band):
                self._marzipano_row(mz, pixels, row)
                if gathered:
                    self.buffers.give(pixels)
        if self.layout.levels > 1:
            with self.lock:
                if self.below is None:
                    self.below = self.buffers.take((size // 2, size // 2, 3))
                below = self.below
            half = rows // 2
            shrink(band, size // 2, half, out=below[start // 2:start // 2 + half])
        if buffer is not None:
            self.buffers.give(buffer)
        with self.lock:
            self.bands_left -= 1
            last = self.bands_left == 0
        if last:
            self._finish()

    def _finish(self) -> None:
        """Queue every lower level's tiles; the level below the top goes back when done."""
        layout, top = self.layout, self.layout.levels
        self._opened()  # until every job is queued
        if self.top is not None:
            self._level(top, self.top, pannellum=False, marzipano=self.groups is None)
        pixels = self.below
        for level in range(top - 1, 0, -1):
            assert pixels is not None
            size = layout.level_size(level)
            if pixels.shape[0] != size:
                pixels = shrink(pixels, size)
            self._level(level, pixels, pannellum=True, marzipano=True)
        self._closed()

    def _queue(self, job: Callable[[], None]) -> None:
        self._opened()
        self.jobs.submit(job, then=self._closed)

    def _opened(self) -> None:
        with self.lock:
            self.open_jobs += 1

    def _closed(self) -> None:
        with self.lock:
            self.open_jobs -= 1
            done = self.open_jobs == 0
        if done and self.below is not None:
            below, self.below, self.top = self.below, None, None
            self.buffers.give(below)

    def _level(self, level: int, pixels: Pixels, *, pannellum: bool, marzipano: bool) -> None:
        """Queue a whole level's tiles; keep its Marzipano preview and fallback face."""
        layout = self.layout
        if pannellum:
            t = layout.tile_size
            for y in range(layout.tiles_across(level)):
                self._queue(partial(self._pannellum_row, level, pixels[y * t:(y + 1) * t], y))
        mz = self.marzipano.get(level)
        if mz is not None and marzipano and not mz.shared:
            t = mz.tile_size
            for y in range(mz.size // t):
                self._queue(partial(self._marzipano_row, mz, pixels[y * t:(y + 1) * t], y))
        if mz is not None and mz.z == 1:
            self.previews[self.face] = shrink(pixels, layout.marzipano_preview_size)
        if level == layout.fallback_level:
            size = layout.fallback_size
            fallback = pixels if pixels.shape[0] == size else shrink(pixels, size)
            self._queue(partial(self.writer.tile, f"fallback/{self.face}.jpg", fallback))

    def _pannellum_row(self, level: int, rows: Pixels, y: int) -> None:
        """The tiles of row y of a level, from that row's pixels."""
        t, face = self.layout.tile_size, self.face
        mz = self.marzipano.get(level)
        for x in range(self.layout.tiles_across(level)):
            links = (f"mz/{mz.z}/{face}/{y}/{x}.jpg",) if mz and mz.shared else ()
            self.writer.tile(f"{level}/{face}{y}_{x}.jpg", rows[:, x * t:(x + 1) * t], links)

    def _marzipano_row(self, mz: MarzipanoLevel, rows: Pixels, y: int) -> None:
        t = mz.tile_size
        for x in range(mz.size // t):
            self.writer.tile(f"mz/{mz.z}/{self.face}/{y}/{x}.jpg", rows[:, x * t:(x + 1) * t])
