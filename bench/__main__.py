"""Entry point of `python -m bench` (`make bench`): every area's figures, one after another.

`python -m bench --only peer` (or BENCH_ONLY=peer) runs one part, or several, comma-separated:
geo (ours beside the bare app and tipg), peer (ours beside PostGraphile), qr, tiling, lambda,
tiler, flood."""

import argparse
import os

from bench import flood, lambda_cold, lambda_tiler, qr, tiling
from bench.run import PARTS as GEO_PARTS
from bench.run import main as geo_main

PARTS = ("geo", "peer", "qr", "tiling", "lambda", "tiler", "flood")


def _parts(argv: list[str] | None = None) -> set[str]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                        help="comma-separated parts to run: " + ", ".join(PARTS))
    only = {p for p in parser.parse_args(argv).only.replace(" ", "").split(",") if p}
    unknown = only - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    return only or set(PARTS)


def main() -> int:
    """Runs the destinations (beside the bare app, tipg and PostGraphile), QR, tiling,
    Lambda, tiler and flood benchmarks; the first failure's code wins."""
    parts = _parts()
    codes: list[int] = []
    if parts & GEO_PARTS:
        codes.append(geo_main(frozenset(parts & GEO_PARTS)))
    if "qr" in parts:
        qr.main()
    if "tiling" in parts:
        codes.append(tiling.main([]))
    if "lambda" in parts:
        codes.append(lambda_cold.main())
    if "tiler" in parts:
        codes.append(lambda_tiler.main())
    if "flood" in parts:
        codes.append(flood.main())
    return next((c for c in codes if c), 0)


raise SystemExit(main())
