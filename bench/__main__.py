"""Entry point of `python -m bench` (`make bench`): every area's figures, one after another.

`BENCH_ONLY=geo|qr|tiling|lambda|tiler` runs one part."""

import os

from bench import lambda_cold, lambda_tiler, qr, tiling
from bench.run import main as geo_main


def main() -> int:
    """Runs the destinations, QR, tiling, Lambda and tiler benchmarks; the first failure's
    code wins."""
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
    return next((c for c in codes if c), 0)


raise SystemExit(main())
