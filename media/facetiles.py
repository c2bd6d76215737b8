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
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Protocol

import numpy as np
from PIL import Image

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
    """JPEG bytes of an (h, w, 3) BGR array or view (libjpeg-turbo through simplejpeg, which
    releases the GIL)."""
    import simplejpeg

    data: bytes = simplejpeg.encode_jpeg(np.ascontiguousarray(pixels), quality=JPEG_QUALITY,
                                         colorspace="BGR", colorsubsampling="420")
    return data


def _halve(pixels: Pixels, out: Pixels) -> None:
    """The mean of each 2×2 block (numpy, GIL released), rounded."""
    total = pixels[0::2, 0::2].astype(np.uint16)
    total += pixels[1::2, 0::2]
    total += pixels[0::2, 1::2]
    total += pixels[1::2, 1::2]
    total += 2
    total >>= 2
    np.copyto(out, total, casting="unsafe")


#: Source rows resized at once: Pillow holds RGB in 4 bytes a pixel, so a whole 16384×8192
#: image would cost 512 MB more; strips of this many rows cost a few.
STRIP_ROWS = 512


def _resize(pixels: Pixels, width: int, height: int, how: Image.Resampling, out: Pixels
            ) -> None:
    """Pillow's resize, a strip of rows at a time (exact for BOX, whose support is the box;
    bilinear shrinks by less than 2 here: a row of margin is enough)."""
    rows, columns = pixels.shape[:2]
    scale = rows / height
    step = max(1, int(STRIP_ROWS / scale))
    margin = 1 if how is Image.Resampling.BOX else 2
    for first in range(0, height, step):
        last = min(height, first + step)
        low, high = first * scale, last * scale
        top, bottom = max(0, int(low) - margin), min(rows, int(math.ceil(high)) + margin)
        strip = np.ascontiguousarray(pixels[top:bottom])
        image = Image.frombuffer("RGB", (columns, bottom - top), strip, "raw", "RGB", 0, 1)
        small = image.resize((width, last - first), how,
                             box=(0, low - top, columns, high - top))
        out[first:last] = np.asarray(small)


def shrink(pixels: Pixels, size: int, rows: int | None = None, out: Pixels | None = None
           ) -> Pixels:
    """The pixels resized to `size` columns (and `rows` rows, `size` by default): by area
    from twice the size or more, bilinearly below that (1300 → 1024 px: 6× faster, and a
    sample spacing under 2 px leaves nothing for area averaging to gather)."""
    height = size if rows is None else rows
    if out is None:
        out = np.empty((height, size, pixels.shape[2]), np.uint8)
    if pixels.shape[:2] == (2 * height, 2 * size):
        _halve(pixels, out)
    else:
        how = (Image.Resampling.BOX if pixels.shape[1] >= 2 * size
               else Image.Resampling.BILINEAR)
        _resize(pixels, size, height, how, out)
    return out


#: Stores at once: a PUT to S3 waits ~20 ms for the network, not for a core, so the uploads
#: have their own pool, sized for that latency (the CPU pool is sized for the cores).
IO_WORKERS = 32
#: Encoded objects waiting for an upload thread, at most (backpressure on the encoders).
IO_QUEUE = 4 * IO_WORKERS


class TileWriter:
    """Encodes objects on the calling (CPU) thread and stores them from an I/O pool,
    remembering every key (for the rollback); `flush` waits for every upload."""

    def __init__(self, store: MediaStore, prefix: str, total: int, progress: Progress | None,
                 io_workers: int = IO_WORKERS):
        self.store, self.prefix = store, prefix
        self.sizes: dict[str, int] = {}
        self.written: list[str] = []
        self.total, self.done = total, 0
        self.progress = progress
        self.lock = threading.Lock()
        self.io = ThreadPoolExecutor(max_workers=io_workers, thread_name_prefix="uploads")
        self.room = threading.BoundedSemaphore(IO_QUEUE)
        self.uploads: list[Future[None]] = []
        self.error: BaseException | None = None

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg",
            links: tuple[str, ...] = ()) -> None:
        """Queue one object under the panorama's prefix (and the names linked to it)."""
        if self.error is not None:
            raise self.error
        keys = [f"{self.prefix}/{n}" for n in (name, *links)]
        with self.lock:
            self.written += keys
        self.room.acquire()
        try:
            upload = self.io.submit(self._store, keys, data, content_type)
        except BaseException:
            self.room.release()
            raise
        with self.lock:
            self.uploads.append(upload)
        upload.add_done_callback(lambda _: self.room.release())

    def _store(self, keys: list[str], data: bytes, content_type: str) -> None:
        try:
            self.store.put(keys[0], data, content_type, immutable=True)
            self._count(keys[0], len(data))
            for key in keys[1:]:
                self.store.link(keys[0], key)
                self._count(key, len(data))
        except BaseException as exc:
            with self.lock:
                self.error = self.error or exc
            raise

    def tile(self, name: str, pixels: Pixels, links: tuple[str, ...] = ()) -> None:
        """Encode pixels once, store them, and link the other names that share them."""
        self.put(name, encode_jpeg(pixels), links=links)

    def flush(self) -> None:
        """Until every queued upload is stored; re-raises the first failure."""
        with self.lock:
            uploads, self.uploads = self.uploads, []
        wait(uploads)
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Wait for the uploads (failed or not), then stop the I/O threads."""
        self.io.shutdown(wait=True)

    def _count(self, key: str, size: int) -> None:
        with self.lock:
            self.sizes[key.removeprefix(self.prefix + "/")] = size
            self.done += 1
            done = self.done
        if self.progress is not None:
            self.progress(done, self.total)


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
