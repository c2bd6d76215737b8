"""Entry point of `python -m bench` (`make bench`): every area's figures, one after another.

`BENCH_ONLY=geo|qr|tiling|lambda|tiler|flood` runs one part."""

import os

from bench import flood, lambda_cold, lambda_tiler, qr, tiling
from bench.run import main as geo_main


def main() -> int:
    """Runs the destinations, QR, tiling, Lambda, tiler and flood benchmarks; the first
    failure's code wins."""
    only = os.environ.get("BENCH_ONLY", "")
    codes: list[int] = []
    if only in ("", "geo"):
        codes.append(geo_main())
    if only in ("", "qr"):
        qr.main()
    if only in ("", "tiling"):
        codes.append(tiling.main([]))
    if only in ("", "lambda"):
        codes.append(lambda_cold.main())
    if only in ("", "tiler"):
        codes.append(lambda_tiler.main())
    if only in ("", "flood"):
        codes.append(flood.main())
    return next((c for c in codes if c), 0)


raise SystemExit(main())
