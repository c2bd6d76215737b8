"""Tiling figures: the whole panorama ingest beside py360convert + Pillow and the floor.

`python -m bench.tiling` prints BENCH lines for an 8192×4096 and a 16384×8192 panorama:
wall time and peak memory (VmHWM) of each case, each run in its own subprocess, and the
ratios: ingest / floor (target ≤ 2), py360convert / ingest (target ≥ 10), ingest peak
(target ≤ 600 MB at 16384×8192). The ingest and the floor run `--repeat` times (best wall,
highest peak), py360convert once. The floor decodes the input once and encodes every object
the ingest encodes once (same sizes, the ingest's own decoder, encoder, quality and threads),
writing nothing. The py360convert case writes the very objects the ingest writes (checked by
name), as one would without this service.
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


def _encoded_outputs(width: int) -> list[tuple[int, int]]:
    """(rows, columns) of every JPEG the ingest encodes (links of shared tiles excluded)."""
    from media.tiling import PREVIEW_WIDTH, THUMB_WIDTH, layout_for

    layout = layout_for(width, width // 2)
    t = layout.tile_size
    face: list[tuple[int, int]] = []
    for level in range(1, layout.levels + 1):
        size = layout.level_size(level)
        for y in range(layout.tiles_across(level)):
            for x in range(layout.tiles_across(level)):
                face.append((min(t, size - y * t), min(t, size - x * t)))
    for m in layout.marzipano_levels:
        if not m.shared:
            face += [(m.tile_size, m.tile_size)] * (m.size // m.tile_size) ** 2
    face.append((layout.fallback_size, layout.fallback_size))
    preview = layout.marzipano_preview_size
    return face * 6 + [(6 * preview, preview), (PREVIEW_WIDTH // 2, PREVIEW_WIDTH),
                       (THUMB_WIDTH // 2, THUMB_WIDTH)]


def case_floor(path: Path) -> dict[str, Any]:
    """Decode once, encode every output once: the ingest's decoder, encoder, quality and
    threads, on views of the image (same sizes as the outputs), writing nothing."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from media.facetiles import encode_jpeg
    from media.images import decode, probe

    data = path.read_bytes()
    start = time.perf_counter()
    image = decode(data, probe(data))
    sizes = _encoded_outputs(image.shape[1])

    def encode(job: tuple[int, tuple[int, int]]) -> int:
        i, (h, w) = job
        y = (i * 397) % (image.shape[0] - h)
        x = (i * 911) % (image.shape[1] - w)
        return len(encode_jpeg(image[y:y + h, x:x + w]))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        total = sum(pool.map(encode, enumerate(sizes)))
    return {"seconds": time.perf_counter() - start, "objects": len(sizes), "bytes": total}


def case_py360convert(path: Path, out: Path) -> dict[str, Any]:
    """The same objects as the ingest, written as one would without this service:
    py360convert's e2c for the six faces, Pillow for everything else."""
    import shutil

    import py360convert
    from PIL import Image

    from media.tiling import (
        MARZIPANO_PREVIEW_ORDER,
        PREVIEW_WIDTH,
        THUMB_WIDTH,
        layout_for,
    )

    def save(image: Image.Image, name: str) -> None:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, quality=82)

    Image.MAX_IMAGE_PIXELS = None
    start = time.perf_counter()
    shutil.copyfile(path, out / f"source{path.suffix}")
    pil = Image.open(path).convert("RGB")
    preview = pil.resize((PREVIEW_WIDTH, PREVIEW_WIDTH // 2), Image.Resampling.LANCZOS)
    save(preview, "preview.jpg")
    save(preview.resize((THUMB_WIDTH, THUMB_WIDTH // 2), Image.Resampling.LANCZOS),
         "thumb.jpg")
    image = np.asarray(pil)
    del pil
    layout = layout_for(image.shape[1], image.shape[0])
    faces = py360convert.e2c(image, face_w=layout.face_size, mode="bilinear",
                             cube_format="dict")
    del image
    marzipano = {m.pannellum_level: m for m in layout.marzipano_levels}
    small: dict[str, Image.Image] = {}
    for key, pixels in faces.items():
        f = key.lower()  # py360convert's F R B L U D are Pannellum's faces as they are
        face = Image.fromarray(np.asarray(pixels).astype(np.uint8))
        for level in range(layout.levels, 0, -1):
            size, t = layout.level_size(level), layout.tile_size
            if face.size[0] != size:
                face = face.resize((size, size), Image.Resampling.LANCZOS)
            for y in range(math.ceil(size / t)):
                for x in range(math.ceil(size / t)):
                    box = (x * t, y * t, min(size, x * t + t), min(size, y * t + t))
                    save(face.crop(box), f"{level}/{f}{y}_{x}.jpg")
            m = marzipano.get(level)
            if m is not None:
                for y in range(m.size // m.tile_size):
                    for x in range(m.size // m.tile_size):
                        u = m.tile_size
                        save(face.crop((x * u, y * u, x * u + u, y * u + u)),
                             f"mz/{m.z}/{f}/{y}/{x}.jpg")
                if m.z == 1:
                    p = layout.marzipano_preview_size
                    small[f] = face.resize((p, p), Image.Resampling.LANCZOS)
            if level == layout.fallback_level:
                n = layout.fallback_size
                save(face if size == n else face.resize((n, n), Image.Resampling.LANCZOS),
                     f"fallback/{f}.jpg")
    p = layout.marzipano_preview_size
    strip = Image.new("RGB", (p, 6 * p))
    for i, f in enumerate(MARZIPANO_PREVIEW_ORDER):
        strip.paste(small[f], (0, i * p))
    save(strip, "cube-preview.jpg")
    objects = {str(q.relative_to(out)): q.stat().st_size for q in out.rglob("*") if q.is_file()}
    (out / "index.json").write_text(json.dumps({"objects": objects}))
    return {"seconds": time.perf_counter() - start, "objects": len(objects) + 1}


def _names(folder: Path) -> set[str]:
    return {str(q.relative_to(folder)) for q in folder.rglob("*") if q.is_file()}


def _run(case: str, path: Path, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "bench.tiling", "--case", case,
                           "--input", str(path), "--out", str(out)],
                          capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report(sizes: tuple[int, ...] = SIZES, repeat: int = 3) -> None:
    """Prints the BENCH lines of every size: for the ingest and the floor the best wall time
    (and the highest peak) of `repeat` interleaved runs, the machine being shared."""
    folder = Path(tempfile.gettempdir()) / "tourism-bench-tiling"
    folder.mkdir(exist_ok=True)
    # Outputs are removed at the end only: ext4 makes files slowly just after mass deletions.
    with tempfile.TemporaryDirectory(prefix="tiling-out-") as outputs:
        for width in sizes:
            path = make_input(width, folder)
            name = f"tiling_{width}x{width // 2}"
            runs: dict[str, list[dict[str, Any]]] = {"ingest": [], "floor": []}
            for i in range(repeat):
                for case, found in runs.items():
                    found.append(_run(case, path, Path(outputs) / f"{width}-{case}-{i}"))
            got = {case: {"seconds": min(r["seconds"] for r in found),
                          "peak_mb": max(r["peak_mb"] for r in found),
                          "objects": found[0]["objects"]} for case, found in runs.items()}
            got["py360convert"] = _run("py360convert", path,
                                       Path(outputs) / f"{width}-py360convert")
            ingest_names = {n.split("/", 2)[2] for n in _names(Path(outputs) / f"{width}-ingest-0")}
            reference_names = _names(Path(outputs) / f"{width}-py360convert")
            if ingest_names != reference_names:
                raise SystemExit(f"py360convert wrote other objects than the ingest: "
                                 f"{sorted(ingest_names ^ reference_names)[:5]}")
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
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the ingest and the floor per size (the best is kept)")
    args = parser.parse_args(argv)
    if args.case is None:
        report(tuple(int(s) for s in args.sizes.split(",")), args.repeat)
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
