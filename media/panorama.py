"""Turning one equirectangular image into every object both viewers read, all or nothing.

The image is decoded once, into one array, while the source is hashed and stored. Each cube
face is then projected a band of rows at a time by a thread pool sized to the cores; each band
is tiled at once (libjpeg-turbo encodes without the GIL; the uploads go to the writer's own
I/O pool, sized for the store's latency) and halved into the next
level, so that only the image, a few bands and a quarter-size level per face in progress are
ever in memory (`media.facetiles`). The image is released as soon as the last band is made. A
failure anywhere removes every object this run wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from media.cubemap import FACES, FaceProjector, Pixels
from media.facetiles import JPEG_QUALITY, Buffers, FaceTiler, Progress, TileWriter, shrink
from media.images import ImageHeader, decode
from media.store import MediaStore
from media.tiling import (
    MARZIPANO_PREVIEW_ORDER,
    Layout,
    equirect_sizes,
    layout_for,
    panorama_prefix,
)

__all__ = ["JPEG_QUALITY", "Progress", "TiledPanorama", "sha256_of", "tile_panorama"]


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


class _Jobs:
    """A thread pool whose jobs may queue more jobs; the first failure stops the rest."""

    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiles")
        self.idle = threading.Condition()
        self.pending = 0
        self.error: BaseException | None = None

    def submit(self, job: Callable[[], None], *, then: Callable[[], None] | None = None
               ) -> None:
        """Queue a job (skipped after a failure); `then` runs after it in any case."""
        with self.idle:
            self.pending += 1
        try:
            self.pool.submit(self._run, job, then)
        except BaseException:  # never queued: not waited for either
            with self.idle:
                self.pending -= 1
                self.idle.notify_all()
            raise

    def _run(self, job: Callable[[], None], then: Callable[[], None] | None) -> None:
        try:
            if self.error is None:
                job()
        except BaseException as exc:
            with self.idle:
                self.error = self.error or exc
        finally:
            if then is not None:
                then()
            with self.idle:
                self.pending -= 1
                self.idle.notify_all()

    def wait(self) -> None:
        """Until every job has run (or been skipped after a failure); re-raises the failure."""
        with self.idle:
            self.idle.wait_for(lambda: self.pending == 0)
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Wait for every queued job, then stop the threads."""
        with self.idle:
            self.idle.wait_for(lambda: self.pending == 0)
        self.pool.shutdown(wait=True)


def _equirect_images(pixels: Pixels, writer: TileWriter) -> None:
    for name, (w, h) in equirect_sizes(pixels.shape[1]).items():
        pixels = shrink(pixels, w, h)  # the thumbnail from the preview
        writer.tile(name, pixels)


def tile_panorama(data: bytes, header: ImageHeader, store: MediaStore, *,
                  progress: Progress | None = None, workers: int | None = None
                  ) -> TiledPanorama:
    """Writes every object of a checked image to the store; on failure removes them all."""
    return _tile(data, header, store, progress, workers or os.cpu_count() or 2)


def _tile(data: bytes, header: ImageHeader, store: MediaStore, progress: Progress | None,
          workers: int) -> TiledPanorama:
    layout = layout_for(header.width, header.height)
    jobs = _Jobs(workers)
    decoding = jobs.pool.submit(decode, data, header)
    sha = sha256_of(data)  # while the image decodes
    writer = TileWriter(store, panorama_prefix(sha), layout.tile_count + 6 + 5, progress)
    in_flight = workers
    bands = threading.Semaphore(in_flight)  # bands projected but not yet tiled
    try:
        jobs.submit(partial(writer.put, f"source.{header.extension}", data,
                            header.content_type))
        equirect = decoding.result()
        del decoding  # the future would keep the image alive
        jobs.submit(partial(_equirect_images, equirect, writer))
        projector = FaceProjector(equirect, layout.face_size)
        del equirect
        previews: dict[str, Pixels] = {}
        buffers = Buffers()
        for face in FACES:
            tiler = FaceTiler(face, layout, writer, jobs, buffers, previews)
            for start in range(0, layout.face_size, tiler.band_rows):
                bands.acquire()
                if jobs.error is not None:
                    bands.release()
                    jobs.wait()  # raises the failure
                jobs.submit(partial(tiler.make_band, projector, start), then=bands.release)
            del tiler
        for _ in range(in_flight):  # every band made: the image can go
            bands.acquire()
        del projector, buffers
        jobs.wait()
        strip = np.concatenate([previews[f] for f in MARZIPANO_PREVIEW_ORDER], axis=0)
        writer.tile("cube-preview.jpg", strip)
        writer.flush()  # every object stored before the index that lists them
        index = {"sha256": sha, "width": header.width, "height": header.height,
                 "objects": dict(sorted(writer.sizes.items()))}
        writer.put("index.json", json.dumps(index).encode(), "application/json")
        writer.flush()
    except BaseException:
        jobs.close()
        writer.close()
        store.delete_many(list(writer.written))
        raise
    jobs.close()
    writer.close()
    return TiledPanorama(sha256=sha, layout=layout, sizes=dict(writer.sizes))
