"""Projecting an equirectangular image onto the six faces of a cube, in Pannellum's frame.

Pannellum (libpannellum.js `createCube`, texture coordinates 0,0 → 1,1) and Marzipano
(`CubeGeometry` face rotations) agree on every face: looking at yaw θ, pitch φ means looking
along (cos φ sin θ, sin φ, −cos φ cos θ); a face pixel (a, b) ∈ [−1, 1]², a to the right and b
downwards, lies in direction:

    f (a, −b, −1)   b (−a, −b, 1)   u (a, 1, −b)   d (a, −1, b)   l (−1, −b, −a)   r (1, −b, a)

Equirectangular column 0 is yaw −180°, row 0 is pitch +90°. Faces are made in strips of rows
with OpenCV's remap so that no float copy of the whole image is ever made.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor

import cv2
import numpy as np
from numpy.typing import NDArray

FACES = ("f", "b", "u", "d", "l", "r")
#: Yaw of the centre of each side face, in radians.
SIDE_YAW = {"f": 0.0, "r": math.pi / 2, "b": math.pi, "l": -math.pi / 2}
STRIP_ROWS = 256

Floats = NDArray[np.float32]
Pixels = NDArray[np.uint8]


def face_size_for(width: int) -> int:
    """Pannellum's cube face size for an equirectangular width: 8·⌊W/π/8⌋."""
    return 8 * int(width / math.pi / 8)


def _axis(size: int, start: int = 0, stop: int | None = None) -> Floats:
    stop = size if stop is None else stop
    values: Floats = ((np.arange(start, stop, dtype=np.float32) + np.float32(0.5))
                      * np.float32(2.0 / size) - np.float32(1.0))
    return values


def face_maps(face: str, size: int, rows: tuple[int, int], width: int, height: int
              ) -> tuple[Floats, Floats]:
    """Source x and y (equirect pixel coordinates) of the face rows [start, stop)."""
    a = _axis(size)
    b = _axis(size, *rows)
    count = rows[1] - rows[0]
    scale_x = np.float32(width / (2 * math.pi))
    scale_y = np.float32(height / math.pi)
    if face in SIDE_YAW:
        # yaw = offset + atan(a) depends on the column only; pitch = atan2(−b, √(a²+1)).
        yaw = np.arctan(a) + np.float32(SIDE_YAW[face])
        row_x = (yaw * scale_x + np.float32(width / 2 - 0.5)) % np.float32(width)
        map_x: Floats = np.repeat(row_x[None, :], count, axis=0)
        radius = np.repeat(np.sqrt(a * a + np.float32(1))[None, :], count, axis=0)
        minus_b = np.repeat(-b[:, None], size, axis=1)
        pitch = cv2.phase(radius, minus_b)  # in [0, 2π): negative pitches come out as 2π − x
    else:
        # u: (a, 1, −b) → yaw = atan2(a, b); d: (a, −1, b) → yaw = atan2(a, −b).
        across = np.repeat(a[None, :], count, axis=0)
        along = np.repeat((b if face == "u" else -b)[:, None], size, axis=1)
        radius, yaw_full = cv2.cartToPolar(along, across)
        map_x = (yaw_full * scale_x + np.float32(width / 2 - 0.5)) % np.float32(width)
        sign = np.float32(1.0 if face == "u" else -1.0)
        pitch = cv2.phase(radius, np.full_like(radius, sign))
    pitch = np.where(pitch > np.float32(math.pi), pitch - np.float32(2 * math.pi), pitch)
    map_y: Floats = np.clip(np.float32(height / 2 - 0.5) - pitch * scale_y,
                            np.float32(0), np.float32(height - 1))
    return map_x.astype(np.float32, copy=False), map_y.astype(np.float32, copy=False)


def project_face(equirect: Pixels, face: str, size: int, *, strip_rows: int = STRIP_ROWS,
                 pool: Executor | None = None) -> Pixels:
    """One size×size cube face of an (H, W, 3) equirectangular image (strips in a pool)."""
    height, width = equirect.shape[:2]
    out: Pixels = np.empty((size, size, equirect.shape[2]), dtype=np.uint8)

    def strip(start: int) -> None:
        stop = min(size, start + strip_rows)
        map_x, map_y = face_maps(face, size, (start, stop), width, height)
        cv2.remap(equirect, map_x, map_y, cv2.INTER_LINEAR, dst=out[start:stop],
                  borderMode=cv2.BORDER_WRAP)

    starts = range(0, size, strip_rows)
    if pool is None:
        for start in starts:
            strip(start)
    else:
        for _ in pool.map(strip, starts):
            pass
    return out


def direction_of(face: str, a: float, b: float) -> tuple[float, float]:
    """(yaw, pitch) in degrees of the face point (a, b) ∈ [−1, 1]² (for checks and tests)."""
    vectors = {
        "f": (a, -b, -1.0), "b": (-a, -b, 1.0), "u": (a, 1.0, -b), "d": (a, -1.0, b),
        "l": (-1.0, -b, -a), "r": (1.0, -b, a),
    }
    x, y, z = vectors[face]
    return (math.degrees(math.atan2(x, -z)), math.degrees(math.atan2(y, math.hypot(x, z))))
