"""Cube faces land where Pannellum draws them; tiles, levels and previews have the right sizes."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media.images import probe
from media.panorama import tile_panorama
from media.store import LocalStore
from media.tiling import layout_for
from tests.conftest import ROOT
from tests.media.panorama_images import colour_at, direction_panorama, encoded

LIBPANNELLUM = ROOT / "node_modules/pannellum/src/js/libpannellum.js"


def pannellum_cube() -> dict[str, list[tuple[float, float, float]]]:
    """The four corners of each face, read from Pannellum's own createCube()."""
    source = LIBPANNELLUM.read_text()
    body = re.search(r"function createCube\(\) \{\s*return \[(.*?)\];", source, re.S)
    assert body is not None
    numbers = [float(n) for n in re.findall(r"-?\d+", re.sub(r"//[^\n]*", "", body.group(1)))]
    assert len(numbers) == 72
    faces = {}
    for index, face in enumerate("fbudlr"):  # Pannellum's `sides` order
        flat = numbers[index * 12:(index + 1) * 12]
        faces[face] = [tuple(flat[i:i + 3]) for i in range(0, 12, 3)]
    return faces  # corners: texture (0,0), (1,0), (1,1), (0,1)


def view_direction(x: float, y: float, z: float) -> tuple[float, float]:
    """Pannellum's yaw/pitch of a cube point: yaw 0 looks along −z, yaw 90° along +x."""
    return math.degrees(math.atan2(x, -z)), math.degrees(math.atan2(y, math.hypot(x, z)))


def face_image(store: LocalStore, prefix: str, level: int, across: int, face: str
               ) -> np.ndarray:
    rows = []
    for y in range(across):
        row = [np.asarray(Image.open(io.BytesIO(store.get(f"{prefix}/{level}/{face}{y}_{x}.jpg"))))
               for x in range(across)]
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


@pytest.fixture(scope="module")
def tiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, str, int]:
    store = LocalStore(tmp_path_factory.mktemp("faces"), public_base_url="http://t",
                       secret_key="k" * 40)
    data = encoded(direction_panorama(2048), "PNG")
    result = tile_panorama(data, probe(data), store)
    return store, f"panoramas/{result.sha256}", result.layout.face_size


def test_each_face_shows_the_directions_pannellum_draws_there(
        tiled: tuple[LocalStore, str, int]) -> None:
    store, prefix, size = tiled
    layout = layout_for(2048, 1024)
    checked = 0
    for face, (c0, c1, _c2, c3) in pannellum_cube().items():
        pixels = face_image(store, prefix, layout.levels, layout.tiles_across(layout.levels),
                            face)
        assert pixels.shape[:2] == (size, size)
        for u in np.linspace(0.05, 0.95, 9):
            for v in np.linspace(0.05, 0.95, 9):
                point = [c0[i] + u * (c1[i] - c0[i]) + v * (c3[i] - c0[i]) for i in range(3)]
                yaw, pitch = view_direction(*point)
                near_edge = (min(abs((yaw + 180) % 45), 45 - abs((yaw + 180) % 45)) < 3
                             or min(abs((90 - pitch) % 45), 45 - abs((90 - pitch) % 45)) < 3)
                if near_edge or abs(pitch) > 80:
                    continue
                got = pixels[int(v * size), int(u * size)].astype(int)
                want = np.array(colour_at(yaw, pitch))
                assert np.abs(got - want).max() < 40, (face, u, v, yaw, pitch, got, want)
                checked += 1
    assert checked > 200


def test_front_face_centre_is_yaw_zero(tiled: tuple[LocalStore, str, int]) -> None:
    store, prefix, size = tiled
    layout = layout_for(2048, 1024)
    front = face_image(store, prefix, layout.levels, layout.tiles_across(layout.levels), "f")
    # Just right of the centre is yaw in (0°, 45°), sector 4 from −180°.
    assert np.abs(front[size // 2 + 20, size // 2 + 20].astype(int)
                  - np.array(colour_at(5.0, -5.0))).max() < 40


def test_face_size_levels_and_tile_sizes_follow_generate_py(
        tiled: tuple[LocalStore, str, int]) -> None:
    store, prefix, size = tiled
    assert size == 8 * math.floor(2048 / math.pi / 8) == 648
    assert layout_for(8192, 4096).face_size == 2600
    assert layout_for(16384, 8192).face_size == 5208
    layout = layout_for(16384, 8192)
    # levels = ceil(log2(cube / 512)) + 1, down to one tile per face
    assert layout.levels == math.ceil(math.log2(5208 / 512)) + 1 == 5
    assert layout.tiles_across(1) == 1 and layout.tiles_across(5) == math.ceil(5208 / 512)
    keys = store.list_keys(prefix)
    assert f"{prefix}/2/f1_1.jpg" in keys and f"{prefix}/1/u0_0.jpg" in keys
    last = Image.open(io.BytesIO(store.get(f"{prefix}/2/r1_1.jpg")))
    assert last.size == (648 - 512, 648 - 512)
    for face in "fbudlr":
        fallback = Image.open(io.BytesIO(store.get(f"{prefix}/fallback/{face}.jpg")))
        assert fallback.size == (648, 648)  # min(1024, face size)
    preview = Image.open(io.BytesIO(store.get(f"{prefix}/cube-preview.jpg")))
    assert preview.size[1] == 6 * preview.size[0]
    index = json.loads(store.get(f"{prefix}/index.json"))
    assert set(index["objects"]) == {k.removeprefix(prefix + "/") for k in keys} - {"index.json"}


def test_marzipano_tiles_hold_the_same_pixels_as_pannellum_levels(
        tiled: tuple[LocalStore, str, int]) -> None:
    store, prefix, size = tiled
    layout = layout_for(2048, 1024)
    for level in layout.marzipano_levels:
        n = level.size // level.tile_size
        pannellum = face_image(store, prefix, level.pannellum_level,
                               layout.tiles_across(level.pannellum_level), "d")
        for y in range(n):
            for x in range(n):
                tile = np.asarray(Image.open(io.BytesIO(
                    store.get(f"{prefix}/mz/{level.z}/d/{y}/{x}.jpg")))).astype(int)
                t = level.tile_size
                expected = pannellum[y * t:(y + 1) * t, x * t:(x + 1) * t].astype(int)
                assert tile.shape == expected.shape
                assert np.abs(tile - expected).mean() < 4
    # the level shared with Pannellum is a link to the same file, not a second encoding
    shared = [m for m in layout.marzipano_levels if m.shared]
    assert shared
    first = shared[0]
    a = Path(store.path(f"{prefix}/mz/{first.z}/f/0/0.jpg"))
    b = Path(store.path(f"{prefix}/{first.pannellum_level}/f0_0.jpg"))
    assert a.stat().st_ino == b.stat().st_ino
