"""Projecting an equirectangular image onto the six faces of a cube, in Pannellum's frame.

Pannellum (libpannellum.js `createCube`, texture coordinates 0,0 → 1,1) and Marzipano
(`CubeGeometry` face rotations) agree on every face: looking at yaw θ, pitch φ means looking
along (cos φ sin θ, sin φ, −cos φ cos θ); a face pixel (a, b) ∈ [−1, 1]², a to the right and b
downwards, lies in direction:

    f (a, −b, −1)   b (−a, −b, 1)   u (a, 1, −b)   d (a, −1, b)   l (−1, −b, −a)   r (1, −b, a)

Equirectangular column 0 is yaw −180°, row 0 is pitch +90°.

A face is made a band of rows at a time, and each band in strips of `MAP_ROWS` rows whose
lookup maps (float32) stay in the CPU cache; `remap` then samples the image bilinearly with
numpy (columns wrap around the seam, rows stop at the poles; numpy's loops release the GIL, so
the ingest's threads project in parallel). What does not change from strip to strip is made
once per image: the side faces' horizontal lookup is one row per face (the four differ by a
quarter turn), their distance to the cube centre one row shared by all four; the up and down
faces share one row of horizontal offsets.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FACES = ("f", "b", "u", "d", "l", "r")
#: Yaw of the centre of each side face, in radians.
SIDE_YAW = {"f": 0.0, "r": math.pi / 2, "b": math.pi, "l": -math.pi / 2}
#: Rows per lookup strip: 32 rows of a 5208-px face are 0.7 MB per map, inside L2.
MAP_ROWS = 32

Floats = NDArray[np.float32]
Pixels = NDArray[np.uint8]


def face_size_for(width: int) -> int:
    """Pannellum's cube face size for an equirectangular width: 8·⌊W/π/8⌋."""
    return 8 * int(width / math.pi / 8)


def _axis(size: int) -> NDArray[np.float64]:
    """Centres of `size` pixels across [−1, 1]."""
    values: NDArray[np.float64] = (np.arange(size, dtype=np.float64) + 0.5) * (2.0 / size) - 1.0
    return values


def _rows(values: NDArray[np.float64], count: int) -> Floats:
    """`count` copies of a row, as a contiguous float32 block."""
    block: Floats = np.ascontiguousarray(
        np.broadcast_to(values.astype(np.float32), (count, values.size)))
    return block


class FaceProjector:
    """Makes rows of the cube faces of one equirectangular image (thread-safe, read-only)."""

    def __init__(self, equirect: Pixels, size: int, *, map_rows: int = MAP_ROWS):
        height, width = equirect.shape[:2]
        self.equirect, self.size, self.map_rows = equirect, size, map_rows
        self.height, self.width = height, width
        a = _axis(size)
        self.b: NDArray[np.float64] = a  # rows use the same centres as columns
        self.scale_x = np.float32(width / (2 * math.pi))
        self.scale_y = np.float32(height / math.pi)
        # Side faces: yaw = face yaw + atan(a) depends on the column only, and so does the
        # horizontal distance √(a² + 1) that, with b, gives the pitch.
        self.side_x = {
            face: _rows((((np.arctan(a) + yaw) * (width / (2 * math.pi)) + width / 2 - 0.5)
                         % width), map_rows)
            for face, yaw in SIDE_YAW.items()
        }
        self.side_radius = _rows(np.sqrt(a * a + 1.0), map_rows)
        # Up/down faces: (a, ±1, ∓b); −a on every row feeds atan2 for the yaw.
        self.minus_a = _rows(-a, map_rows)
        self.ones = _rows(np.ones(size), map_rows)

    def project(self, face: str, start: int, out: Pixels) -> None:
        """Fills `out` (n × size × 3) with the face's rows [start, start + n)."""
        stop = start + out.shape[0]
        middle = self.size // 2
        cuts = sorted({*range(start, stop, self.map_rows), stop}
                      | ({middle} if start < middle < stop else set()))
        for top, bottom in zip(cuts, cuts[1:], strict=False):
            map_x, map_y = self.maps(face, top, bottom)
            remap(self.equirect, map_x, map_y, out[top - start:bottom - start])

    def maps(self, face: str, start: int, stop: int) -> tuple[Floats, Floats]:
        """Source x and y (equirect pixel coordinates) of the face rows [start, stop)."""
        count = stop - start
        if count > self.map_rows:
            raise ValueError(f"at most {self.map_rows} rows per strip")
        centre_y = np.float32(self.height / 2 - 0.5)
        b_rows = np.empty((count, self.size), np.float32)
        if face in SIDE_YAW:
            # pitch = atan2(−b, √(a²+1)): phase gives |pitch| in [0, π/2) from |b|, one half
            # of the face at a time (the caller cuts strips at the middle row).
            upper = stop <= self.size // 2
            b_rows[:] = np.abs(self.b[start:stop, None])
            pitch = np.arctan2(b_rows, self.side_radius[:count])
            map_y = np.multiply(pitch, -self.scale_y if upper else self.scale_y, out=pitch)
            map_y += centre_y
            return self.side_x[face][:count], map_y
        # u: (a, 1, −b) → yaw = atan2(a, b); d: (a, −1, b) → yaw = atan2(a, −b). atan2(−a, −z)
        # is yaw + π in [0, 2π): x = that · W/2π − ½ lies in [−½, W − ½) (the wrap border
        # joins the seam). The pitch is ±(π/2 − atan ρ), ρ = √(a² + b²) the radius.
        b_rows[:] = (-self.b if face == "u" else self.b)[start:stop, None]
        radius = np.hypot(b_rows, self.minus_a[:count])
        turn = np.arctan2(self.minus_a[:count], b_rows)
        turn[turn < 0] += np.float32(2 * math.pi)  # [0, 2π)
        map_x = np.multiply(turn, self.scale_x, out=turn)
        map_x -= np.float32(0.5)
        away = np.arctan(radius, out=radius)  # atan ρ: π/2 − |pitch|
        if face == "u":
            map_y = np.multiply(away, self.scale_y, out=away)
            map_y -= np.float32(0.5)
            np.maximum(map_y, np.float32(0), out=map_y)
        else:
            map_y = np.multiply(away, -self.scale_y, out=away)
            map_y += np.float32(self.height - 0.5)
            np.minimum(map_y, np.float32(self.height - 1), out=map_y)
        return map_x, map_y


def remap(source: Pixels, map_x: Floats, map_y: Floats, out: Pixels) -> None:
    """Fills `out` with `source` sampled bilinearly at (map_x, map_y): columns wrap around
    (the seam of an equirectangular image), rows are clamped (its poles)."""
    height, width = source.shape[:2]
    x0 = np.floor(map_x)
    fx = (map_x - x0)[..., None]
    y0 = np.floor(map_y)
    fy = (map_y - y0)[..., None]
    left = x0.astype(np.intp) % width
    right = left + 1
    right[right == width] = 0
    top = np.clip(y0.astype(np.intp), 0, height - 1)
    bottom = np.minimum(top + 1, height - 1)
    top *= width
    bottom *= width
    flat = source.reshape(-1, source.shape[2])
    upper = flat[top + left].astype(np.float32)
    upper += (flat[top + right] - upper) * fx
    lower = flat[bottom + left].astype(np.float32)
    lower += (flat[bottom + right] - lower) * fx
    lower -= upper
    lower *= fy
    upper += lower
    upper += np.float32(0.5)
    np.copyto(out, upper, casting="unsafe")


def project_face(equirect: Pixels, face: str, size: int) -> Pixels:
    """One whole size×size cube face of an (H, W, 3) equirectangular image."""
    out: Pixels = np.empty((size, size, equirect.shape[2]), dtype=np.uint8)
    FaceProjector(equirect, size).project(face, 0, out)
    return out


def direction_of(face: str, a: float, b: float) -> tuple[float, float]:
    """(yaw, pitch) in degrees of the face point (a, b) ∈ [−1, 1]² (for checks and tests)."""
    vectors = {
        "f": (a, -b, -1.0), "b": (-a, -b, 1.0), "u": (a, 1.0, -b), "d": (a, -1.0, b),
        "l": (-1.0, -b, -a), "r": (1.0, -b, a),
    }
    x, y, z = vectors[face]
    return (math.degrees(math.atan2(x, -z)), math.degrees(math.atan2(y, math.hypot(x, z))))
