"""Tiling figures: the whole panorama ingest beside py360convert + Pillow and the floor.

`python -m bench.tiling` prints BENCH lines for an 8192×4096 and a 16384×8192 panorama:
wall time and peak memory (VmHWM) of each case, each measured in its own subprocess, and the
ratios: ingest / floor (target ≤ 2), py360convert / ingest (target ≥ 10), ingest peak
(target ≤ 600 MB at 16384×8192). The floor decodes the input once and encodes every output
tile once (same sizes, same encoder, same quality), writing nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (8192, 16384)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_input(width: int, folder: Path) -> Path:
    """A photo-like synthetic panorama (gradients, texture, edges) as a JPEG, made once."""
    import cv2

    path = folder / f"pano-{width}.jpg"
    if path.exists():
        return path
    height = width // 2
    rng = np.random.default_rng(width)
    small = rng.integers(0, 255, (height // 64, width // 64, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    noise = rng.integers(-12, 12, (height, 1024, 3), dtype=np.int16)
    for x in range(0, width, 1024):
        block = image[:, x:x + 1024].astype(np.int16) + noise[:, : image[:, x:x + 1024].shape[1]]
        image[:, x:x + 1024] = np.clip(block, 0, 255).astype(np.uint8)
    for x in range(0, width, width // 64):
        cv2.line(image, (x, 0), (x, height - 1), (255, 255, 255), 3)
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def case_ingest(path: Path, out: Path) -> dict[str, Any]:
    """The service's whole ingest (checks, decode, faces, tiles, store) to a local store."""
    from media.images import probe
    from media.panorama import tile_panorama
    from media.store import LocalStore

    data = path.read_bytes()
    start = time.perf_counter()
    header = probe(data)
    result = tile_panorama(data, header, LocalStore(out, public_base_url="http://b",
                                                    secret_key="b" * 40))
    return {"seconds": time.perf_counter() - start, "objects": len(result.sizes),
            "bytes": result.byte_size}


def _tile_sizes(width: int) -> list[tuple[int, int]]:
    from media.tiling import layout_for

    layout = layout_for(width, width // 2)
    sizes: list[tuple[int, int]] = []
    for level in range(1, layout.levels + 1):
        size, t = layout.level_size(level), layout.tile_size
        for y in range(layout.tiles_across(level)):
            for x in range(layout.tiles_across(level)):
                sizes.append((min(t, size - y * t), min(t, size - x * t)))
    for m in layout.marzipano_levels:
        if not m.shared:
            sizes += [(m.tile_size, m.tile_size)] * (m.size // m.tile_size) ** 2
    sizes = sizes * 6 + [(layout.fallback_size, layout.fallback_size)] * 6
    return sizes


def case_floor(path: Path) -> dict[str, Any]:
    """Decode once, encode every output tile once (crops of the image, same sizes)."""
    from concurrent.futures import ThreadPoolExecutor

    import cv2

    from media.panorama import JPEG_QUALITY

    data = path.read_bytes()
    start = time.perf_counter()
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    sizes = _tile_sizes(image.shape[1])

    def encode(job: tuple[int, tuple[int, int]]) -> int:
        i, (h, w) = job
        y = (i * 397) % (image.shape[0] - h)
        x = (i * 911) % (image.shape[1] - w)
        crop = np.ascontiguousarray(image[y:y + h, x:x + w])
        return len(cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])[1])

    with ThreadPoolExecutor() as pool:
        total = sum(pool.map(encode, enumerate(sizes)))
    return {"seconds": time.perf_counter() - start, "objects": len(sizes), "bytes": total}


def case_py360convert(path: Path, out: Path) -> dict[str, Any]:
    """py360convert's e2c for the faces, Pillow for the pyramid, tiles and fallbacks."""
    import py360convert
    from PIL import Image

    from media.tiling import layout_for

    Image.MAX_IMAGE_PIXELS = None
    start = time.perf_counter()
    image = np.asarray(Image.open(path).convert("RGB"))
    layout = layout_for(image.shape[1], image.shape[0])
    faces = py360convert.e2c(image, face_w=layout.face_size, mode="bilinear",
                             cube_format="dict")
    del image
    names = {"F": "f", "R": "r", "B": "b", "L": "l", "U": "u", "D": "d"}
    count = 0
    for key, pixels in faces.items():
        face = Image.fromarray(np.asarray(pixels).astype(np.uint8))
        for level in range(layout.levels, 0, -1):
            size, t = layout.level_size(level), layout.tile_size
            if face.size[0] != size:
                face = face.resize((size, size), Image.Resampling.LANCZOS)
            folder = out / str(level)
            folder.mkdir(parents=True, exist_ok=True)
            for y in range(math.ceil(size / t)):
                for x in range(math.ceil(size / t)):
                    face.crop((x * t, y * t, min(size, x * t + t), min(size, y * t + t))).save(
                        folder / f"{names[key]}{y}_{x}.jpg", quality=82)
                    count += 1
    return {"seconds": time.perf_counter() - start, "objects": count}


def _run(case: str, path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-m", "bench.tiling", "--case", case,
                               "--input", str(path), "--out", out],
                              capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report(sizes: tuple[int, ...] = SIZES) -> None:
    """Prints the BENCH lines of every size."""
    folder = Path(tempfile.gettempdir()) / "tourism-bench-tiling"
    folder.mkdir(exist_ok=True)
    for width in sizes:
        path = make_input(width, folder)
        name = f"tiling_{width}x{width // 2}"
        got = {case: _run(case, path) for case in ("ingest", "floor", "py360convert")}
        for case, found in got.items():
            print(f"BENCH {name}_{case}_wall {found['seconds']:.2f} s", flush=True)
            print(f"BENCH {name}_{case}_peak {found['peak_mb']:.0f} MB", flush=True)
        ingest = got["ingest"]["seconds"]
        print(f"BENCH {name}_ingest_over_floor {ingest / got['floor']['seconds']:.2f} x")
        print(f"BENCH {name}_py360convert_over_ingest "
              f"{got['py360convert']['seconds'] / ingest:.1f} x")
        print(f"BENCH {name}_ingest_objects {got['ingest']['objects']} objects", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Runs one case (in a subprocess of report) or the whole report."""
    parser = argparse.ArgumentParser(prog="python -m bench.tiling")
    parser.add_argument("--case", choices=["ingest", "floor", "py360convert"])
    parser.add_argument("--input", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args(argv)
    if args.case is None:
        report(tuple(int(s) for s in args.sizes.split(",")))
        return 0
    if args.case == "ingest":
        found = case_ingest(args.input, args.out)
    elif args.case == "floor":
        found = case_floor(args.input)
    else:
        found = case_py360convert(args.input, args.out)
    found["peak_mb"] = _peak_mb()
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
