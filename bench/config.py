"""What the benchmark runs: sizes, request counts, durations, query shapes (env overrides)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _sizes(name: str = "BENCH_SIZES", default: str = "10000,100000,1000000"
           ) -> tuple[int, ...]:
    raw = os.environ.get(name, default)
    sizes = tuple(sorted({int(s) for s in raw.replace(" ", "").split(",") if s}))
    if not sizes or sizes[0] <= 0:
        raise ValueError(f"{name} must list positive row counts, not {raw!r}")
    return sizes


def size_label(rows: int) -> str:
    """10000 -> '10k', 1000000 -> '1m', 2500 -> '2500'."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


@dataclass(frozen=True)
class Config:
    """Every knob of one run; BENCH_* environment variables override the defaults."""

    #: Total synthetic destinations in the PostGIS database at each step (grown in place).
    sizes: tuple[int, ...] = field(default_factory=_sizes)
    #: Synthetic destinations of the SpatiaLite file (0: skip the SpatiaLite run).
    spatialite_rows: int = field(default_factory=lambda: _int("BENCH_SPATIALITE_ROWS", 100_000))
    #: Sequential latency: rounds and timed requests per round and server (the servers take
    #: turns every few requests within a round).
    latency_rounds: int = field(default_factory=lambda: _int("BENCH_LATENCY_ROUNDS", 4))
    latency_requests: int = field(default_factory=lambda: _int("BENCH_LATENCY_REQUESTS", 250))
    latency_warmup: int = field(default_factory=lambda: _int("BENCH_LATENCY_WARMUP", 50))
    #: Throughput: concurrent keep-alive clients, rounds, seconds per measure and warm-up.
    clients: int = field(default_factory=lambda: _int("BENCH_CLIENTS", 16))
    rps_rounds: int = field(default_factory=lambda: _int("BENCH_RPS_ROUNDS", 5))
    rps_seconds: float = field(default_factory=lambda: _float("BENCH_RPS_SECONDS", 3.0))
    rps_warmup_seconds: float = field(default_factory=lambda: _float("BENCH_RPS_WARMUP", 0.5))
    #: Hard cap on requests of one throughput measure (keeps every loop bounded in count).
    rps_max_requests: int = field(default_factory=lambda: _int("BENCH_RPS_MAX_REQUESTS", 200_000))
    #: The peer comparison (bench.peer: ours beside PostGraphile, load from wrk): the sizes
    #: it runs at, its interleaved rounds, seconds of each throughput and latency measure
    #: (whole seconds: wrk's unit) and of the warm-up before each.
    peer_sizes: tuple[int, ...] = field(
        default_factory=lambda: _sizes("BENCH_PEER_SIZES", "100000,1000000"))
    peer_rounds: int = field(default_factory=lambda: _int("BENCH_PEER_ROUNDS", 5))
    peer_seconds: int = field(default_factory=lambda: _int("BENCH_PEER_SECONDS", 5))
    peer_latency_seconds: int = field(
        default_factory=lambda: _int("BENCH_PEER_LATENCY_SECONDS", 2))
    peer_warmup_seconds: int = field(default_factory=lambda: _int("BENCH_PEER_WARMUP", 1))
    #: The queries measured.
    radius_m: float = 50_000.0
    nearby_first: int = 20
    area_first: int = 100
    #: Side of the destinationsInArea box, in degrees (about 55 km: a province on a map).
    bbox_side_deg: float = field(default_factory=lambda: _float("BENCH_BBOX_DEG", 0.5))
    #: Seed of the query points (the data uses geo.synthetic's default seed, 7).
    query_seed: int = 2024
    #: Distinct query points (requests cycle through them).
    query_points: int = 2_000
    #: Seconds a single request may take before the run is declared broken.
    request_timeout_s: float = 30.0
    #: Seconds a server may take to answer its health check after start.
    start_timeout_s: float = 120.0
    #: uvicorn and database connection pool sizes as the service runs in production.
    pool_size: int = 5


def load() -> Config:
    """The configuration of this run, from the environment."""
    return Config()
