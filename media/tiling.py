"""The tile layout of a panorama: one pyramid of 512-px tiles, read by Pannellum and Marzipano.

Objects under `panoramas/{sha256}/`:

    {l}/{f}{y}_{x}.jpg    Pannellum multiRes levels l = 1..maxLevel (generate.py's layout:
                          level maxLevel is the full face, each level below halves it)
    fallback/{f}.jpg      1024-px faces (Pannellum's fallbackPath, offline packs)
    mz/{z}/{f}/{y}/{x}.jpg  Marzipano levels z = 1..: Marzipano needs every level to be a whole
                          number of equal tiles, which 512-px tiles of a 2608-px face are not.
                          Where its grid is Pannellum's (one tile per face, or sizes that are
                          multiples of 512) the object is a link/server-side copy of
                          Pannellum's tile, never re-encoded; elsewhere it is its own tile.
    cube-preview.jpg      Marzipano's preview level z = 0: six faces stacked, order b d f l r u
    preview.jpg           a small equirectangular preview (Pannellum's `preview`)
    thumb.jpg             a thumbnail for lists
    source.{ext}          the original upload
    index.json            every object above with its size (offline packs read it)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from media.cubemap import face_size_for

TILE_SIZE = 512
FALLBACK_SIZE = 1024
PREVIEW_WIDTH = 1024
THUMB_WIDTH = 320
MARZIPANO_PREVIEW_ORDER = "bdflru"
PANNELLUM_PATH = "/%l/%s%y_%x"
PANNELLUM_FALLBACK_PATH = "/fallback/%s"
MARZIPANO_TEMPLATE = "/mz/{z}/{f}/{y}/{x}.jpg"


def equirect_sizes(width: int) -> dict[str, tuple[int, int]]:
    """The pixel sizes of a panorama's equirectangular previews, largest first: preview.jpg,
    then thumb.jpg (2:1, never wider than the panorama)."""
    sizes = {}
    for name, target in (("preview.jpg", PREVIEW_WIDTH), ("thumb.jpg", THUMB_WIDTH)):
        w = min(width, target)
        sizes[name] = (w, max(1, w // 2))
    return sizes


def panorama_prefix(sha256: str) -> str:
    """The folder of a panorama's objects."""
    return f"panoramas/{sha256}"


@dataclass(frozen=True, slots=True)
class MarzipanoLevel:
    """One Marzipano level: its face size, its tile size, and Pannellum's level of that size."""

    z: int
    size: int
    tile_size: int
    pannellum_level: int

    @property
    def shared(self) -> bool:
        """Whether its tiles are Pannellum's tiles (same grid, same pixels)."""
        return self.tile_size == TILE_SIZE or (self.size == self.tile_size <= TILE_SIZE)


@dataclass(frozen=True, slots=True)
class Layout:
    """Every size of a panorama's tile set, computed from its width alone."""

    width: int
    height: int
    face_size: int
    tile_size: int
    levels: int
    fallback_size: int
    marzipano_levels: tuple[MarzipanoLevel, ...]
    marzipano_preview_size: int

    def level_size(self, level: int) -> int:
        """Face size of Pannellum level 1..levels (generate.py halves with int())."""
        size = self.face_size
        for _ in range(self.levels - level):
            size = int(size / 2)
        return size

    def tiles_across(self, level: int) -> int:
        """Tiles per face side at a Pannellum level."""
        return math.ceil(self.level_size(level) / self.tile_size)

    def pannellum_keys(self, level: int) -> list[str]:
        """Keys (relative to the prefix) of a Pannellum level's tiles."""
        n = self.tiles_across(level)
        return [f"{level}/{f}{y}_{x}.jpg" for f in "fbudlr" for y in range(n) for x in range(n)]

    def marzipano_keys(self, level: MarzipanoLevel) -> list[str]:
        """Keys (relative to the prefix) of a Marzipano level's tiles."""
        n = level.size // level.tile_size
        return [f"mz/{level.z}/{f}/{y}/{x}.jpg" for f in "fbudlr"
                for y in range(n) for x in range(n)]

    @property
    def fallback_level(self) -> int:
        """The smallest level at least as large as the fallback faces (they are made from it)."""
        return next(k for k in range(1, self.levels + 1)
                    if self.level_size(k) >= self.fallback_size)

    def fallback_keys(self) -> list[str]:
        """Keys of the fallback faces."""
        return [f"fallback/{f}.jpg" for f in "fbudlr"]

    @property
    def tile_count(self) -> int:
        """How many tile objects (both viewers, previews excluded) the layout has."""
        return (sum(len(self.pannellum_keys(k)) for k in range(1, self.levels + 1))
                + sum(len(self.marzipano_keys(m)) for m in self.marzipano_levels))


def _marzipano_levels(face_size: int, levels: int, layout_sizes: list[int]
                      ) -> tuple[tuple[MarzipanoLevel, ...], int]:
    # From the top level down, keep levels that exactly halve (Marzipano wants each level a
    # multiple of its parent, with a whole number of tiles): one tile size for all of them.
    kept = [levels]
    while kept[-1] > 1 and layout_sizes[kept[-1] - 2] * 2 == layout_sizes[kept[-1] - 1]:
        kept.append(kept[-1] - 1)
    kept.reverse()
    base = layout_sizes[kept[0] - 1]
    tile = TILE_SIZE if all(layout_sizes[k - 1] % TILE_SIZE == 0 for k in kept) else base
    found = tuple(MarzipanoLevel(z=i + 1, size=layout_sizes[k - 1],
                                 tile_size=min(tile, layout_sizes[k - 1]), pannellum_level=k)
                  for i, k in enumerate(kept))
    preview = max(d for d in range(1, min(256, base) + 1) if base % d == 0)
    return found, preview


def layout_for(width: int, height: int) -> Layout:
    """The layout of an equirectangular panorama of this size."""
    face = face_size_for(width)
    tile = min(TILE_SIZE, face)
    levels = int(math.ceil(math.log(face / tile, 2))) + 1
    sizes = [face]
    for _ in range(levels - 1):
        sizes.append(int(sizes[-1] / 2))
    sizes.reverse()
    marzipano, preview = _marzipano_levels(face, levels, sizes)
    return Layout(width=width, height=height, face_size=face, tile_size=tile, levels=levels,
                  fallback_size=min(FALLBACK_SIZE, face), marzipano_levels=marzipano,
                  marzipano_preview_size=preview)
