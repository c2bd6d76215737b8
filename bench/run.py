"""The destinations benchmark: PostGIS grown 10k -> 100k -> 1M (ours beside the bare app and
tipg, and beside PostGraphile at 100k and 1M: bench.peer), then SpatiaLite; servers stopped."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from bench import data, diag, httpclient, peer, phases
from bench.config import Config, load, size_label
from bench.peer import Peer
from bench.phases import Target
from bench.report import Report, ratio
from bench.servers import Server, clean_env
from bench.workload import AREA, NEARBY, Workload, capture_sql, write_spec


def _load() -> str:
    """The machine's load averages, to judge how noisy the figures around are."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cpus"


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


#: The parts of this module: our queries beside the bare app and tipg, and beside PostGraphile.
PARTS = frozenset({"geo", "peer"})


def main(parts: frozenset[str] = PARTS) -> int:
    """Run the parts asked (both by default); 0 on success. Every server and the cluster are
    stopped on the way out."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    cfg, report = load(), Report()
    started = time.monotonic()
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="tourism-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        _describe(cfg, report, parts)
        try:
            _postgis(cfg, report, stack, workdir, parts)
            if cfg.spatialite_rows > 0:
                _spatialite(cfg, report, stack, workdir, parts)
        except Exception as exc:
            report.note(f"FAILED: {exc!r} (server logs under {workdir} are removed on exit)")
            for log in sorted(workdir.glob("*.log")):
                report.note(f"{log.name}: " + log.read_text(errors="replace")[-1500:])
            raise
        finally:
            report.note(f"total {time.monotonic() - started:.0f} s; {_load()}")
    report.summary()
    return 0


def _describe(cfg: Config, report: Report, parts: frozenset[str]) -> None:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    report.note(f"python {platform.python_version()} on {os.cpu_count()} cpus; uvicorn with "
                f"loop={loop} http={http}, 1 worker, no access log")
    report.note(f"sizes {[size_label(s) for s in cfg.sizes]}; latency: 1 client per server, "
                f"{cfg.latency_rounds} rounds x {cfg.latency_requests} requests (+"
                f"{cfg.latency_warmup} warm-up), ours and bare taking turns every "
                f"{phases.LATENCY_CHUNK}; throughput: {cfg.clients} keep-alive clients, "
                f"{cfg.rps_rounds} rounds x {cfg.rps_seconds:g} s (+{cfg.rps_warmup_seconds:g} s"
                " warm-up); medians over rounds")
    report.note(f"nearby: radius {cfg.radius_m:.0f} m, first {cfg.nearby_first}; area: "
                f"{cfg.bbox_side_deg:g} deg boxes centred on the query points, first "
                f"{cfg.area_first}; query points: geo.synthetic.synthetic_points(seed="
                f"{cfg.query_seed})")
    if "peer" in parts:
        report.note(f"peer (PostGraphile) at {[size_label(s) for s in cfg.peer_sizes]}: wrk "
                    f"with {cfg.clients} keep-alive connections, {cfg.peer_rounds} rounds x "
                    f"{cfg.peer_seconds} s (+{cfg.peer_warmup_seconds} s warm-up), p50 of 1 "
                    f"connection over {cfg.peer_latency_seconds} s a round; medians over rounds")


def _postgis(cfg: Config, report: Report, stack: ExitStack, workdir: Path,
             parts: frozenset[str]) -> None:
    from tests.postgis_cluster import PostgisCluster

    cluster = PostgisCluster()
    stack.callback(cluster.stop)
    cluster.start()
    url = cluster.url
    report.note(f"PostGIS cluster on 127.0.0.1:{cluster.port}")
    data.migrate(url)
    geo = _Geo(cfg, report, stack, workdir, url) if "geo" in parts else None
    rival: Peer | None = None
    if "peer" in parts:
        rival = Peer(cfg, report, workdir, url, cluster.root,
                     _our_env(url, "production", cfg))
        stack.callback(rival.stop)
    sizes = sorted({*(cfg.sizes if geo else ()), *(cfg.peer_sizes if rival else ())})
    loaded = 0
    for step, size in enumerate(sizes):
        seconds = data.grow(url, size - loaded, step)
        report.note(f"{size_label(size)}: {data.count_rows(url)} destinations "
                    f"({size - loaded} added, VACUUM ANALYZE, in {seconds:.0f} s); {_load()}")
        loaded = size
        if geo and size in cfg.sizes:
            geo.at(size)
        if rival and size in cfg.peer_sizes:
            if not rival.started:
                rival.start()
            rival.at(size)
    if rival:
        rival.rss()
        rival.stop()
    if geo:
        geo.finish(cluster.root / "log")


class _Geo:
    """Ours beside the bare app at each size, then beside tipg at the largest."""

    def __init__(self, cfg: Config, report: Report, stack: ExitStack, workdir: Path,
                 url: str) -> None:
        self.cfg, self.report, self.stack, self.workdir, self.url = (
            cfg, report, stack, workdir, url)
        self.spec = asyncio.run(capture_sql(url, cfg))
        spec_path = write_spec(self.spec, workdir / "sql.json")
        report.note("SQL captured from geo.spatial (the bare app runs it verbatim):")
        for kind in (NEARBY, AREA):
            report.note(f"  {kind}: {' '.join(self.spec[kind]['sql'].split())}")
        self.work = Workload.make(cfg)
        self.ours = Server("ours", "api.asgi:app", _our_env(url, "production", cfg), workdir)
        self.bare = Server("bare", "bench.bare_app:app", clean_env(
            BENCH_BARE_DSN=data.libpq_url(url), BENCH_BARE_SPEC=str(spec_path),
            BENCH_BARE_POOL=str(cfg.pool_size),
        ), workdir)
        for server in (self.ours, self.bare):
            stack.callback(server.stop)
        self.pairs = {kind: (phases.graphql_target("ours", self.ours, cfg, self.work, kind),
                             phases.graphql_target("bare", self.bare, cfg, self.work, kind))
                      for kind in (NEARBY, AREA)}

    def at(self, size: int) -> None:
        """Answers compared, the database's own time, latency beside the bare app."""
        cfg, report = self.cfg, self.report
        if self.ours.proc is None:
            self.ours.start(cfg.start_timeout_s)
            self.bare.start(cfg.start_timeout_s)
        for kind in (NEARBY, AREA):
            phases.check_same(*self.pairs[kind], kind, report, 10, cfg.request_timeout_s)
        _diagnose(report, _sql_times, self.url, self.spec, self.work, report, size,
                  show_plan=size == cfg.sizes[-1])
        _latency(cfg, report, self.pairs, size)

    def finish(self, log: Path) -> None:
        """Growth, statements per request, tipg, throughput at the largest size, memory."""
        cfg, report, url, pairs = self.cfg, self.report, self.url, self.pairs
        _growth(cfg, report)
        _diagnose(report, _trace, url, log, [*pairs[NEARBY], *pairs[AREA]], report)
        tipg = Server("tipg", "tipg.main:app", clean_env(
            DATABASE_URL=data.libpq_url(url), TIPG_CATALOG_TTL="86400",
            DB_MAX_CONN_SIZE=str(2 * cfg.pool_size),
        ), self.workdir)
        self.stack.callback(tipg.stop)
        tipg.start(cfg.start_timeout_s)
        collection = _tipg_collection(tipg)
        tipg_area = phases.tipg_target(tipg, cfg, self.work, collection)
        phases.check_tipg(pairs[AREA][0], tipg_area, report, 5, cfg.request_timeout_s)
        _diagnose(report, _trace, url, log, [tipg_area], report)
        report.note(_load())
        _throughput(cfg, report, pairs, tipg_area, size_label(cfg.sizes[-1]))
        report.bench("server_peak_rss_mb", self.ours.peak_rss_mb(), "MB")
        report.bench("bare_peak_rss_mb", self.bare.peak_rss_mb(), "MB")
        report.bench("tipg_peak_rss_mb", tipg.peak_rss_mb(), "MB")
        for server in (tipg, self.bare, self.ours):
            server.stop()


#: The per-client and per-account rate limits, set so high that they never answer 429 to
#: the single load client (their bookkeeping still runs on every request).
UNLIMITED = str(10**9)


def _our_env(url: str, env: str, cfg: Config) -> dict[str, str]:
    """The environment of our server: production-like, a 40-character secret, the public
    https address production asks for (the measured queries do not encode it)."""
    return clean_env(
        TOURISM_DATABASE_URL=url, TOURISM_ENV=env, TOURISM_SECRET_KEY=secrets.token_hex(20),
        TOURISM_PUBLIC_BASE_URL="https://tourism.example.org",
        TOURISM_DB_POOL_SIZE=str(cfg.pool_size),
        TOURISM_RATE_LIMIT_CLIENT_PER_MINUTE=UNLIMITED, TOURISM_RATE_LIMIT_CLIENT_BURST=UNLIMITED,
        TOURISM_RATE_LIMIT_ACCOUNT_PER_MINUTE=UNLIMITED,
        TOURISM_RATE_LIMIT_ACCOUNT_BURST=UNLIMITED)


def _latency(cfg: Config, report: Report, pairs: dict[str, tuple[Target, Target]],
             size: int) -> None:
    label = size_label(size)
    for kind in (NEARBY, AREA):
        found = phases.latency(cfg, pairs[kind])
        (p50, p95), (bare50, bare95) = found["ours"], found["bare"]
        report.bench(f"{kind}_p50_{label}", p50, "ms")
        report.bench(f"{kind}_p95_{label}", p95, "ms")
        report.bench(f"{kind}_bare_p50_{label}", bare50, "ms")
        report.bench(f"{kind}_bare_p95_{label}", bare95, "ms")
        report.bench(f"{kind}_ratio_{label}", ratio(p50, bare50), "x")


def _growth(cfg: Config, report: Report) -> None:
    if len(cfg.sizes) < 2:
        return
    low, high = size_label(cfg.sizes[0]), size_label(cfg.sizes[-1])
    for kind in (NEARBY, AREA):
        report.bench(f"{kind}_growth_{low}_to_{high}",
                     ratio(report.get(f"{kind}_p50_{high}"), report.get(f"{kind}_p50_{low}")),
                     "x")
        bare = ratio(report.get(f"{kind}_bare_p50_{high}"), report.get(f"{kind}_bare_p50_{low}"))
        report.note(f"{kind} bare growth {low} to {high}: {bare:.2f} x")


def _throughput(cfg: Config, report: Report, pairs: dict[str, tuple[Target, Target]],
                tipg_area: Target, label: str) -> None:
    nearby = phases.throughput(cfg, list(pairs[NEARBY]), report)
    report.bench(f"nearby_rps_postgis_{label}", nearby["ours"], "req/s")
    report.bench(f"nearby_bare_rps_postgis_{label}", nearby["bare"], "req/s")
    area = phases.throughput(cfg, [pairs[AREA][0], tipg_area, pairs[AREA][1]], report)
    report.bench(f"area_rps_ours_{label}", area["ours"], "req/s")
    report.bench(f"area_rps_tipg_{label}", area["tipg"], "req/s")
    report.bench(f"area_bare_rps_{label}", area["bare"], "req/s")
    report.bench(f"area_rps_ratio_vs_tipg_{label}", ratio(area["ours"], area["tipg"]), "x")


def _sql_times(url: str, spec: dict[str, Any], work: Workload, report: Report, size: int,
               show_plan: bool) -> None:
    """The database's own time for each statement (EXPLAIN ANALYZE, median of 5 points)."""
    times = {}
    for kind in (NEARBY, AREA):
        runs = []
        for p, b in zip(work.points[:5], work.boxes[:5], strict=True):
            runs.append(diag.fill(spec[kind], {"lat": p.lat, "lng": p.lng, "west": b.west,
                                               "south": b.south, "east": b.east,
                                               "north": b.north}))
        times[kind], plan = diag.explain(url, spec[kind]["sql"], runs)
        if show_plan:
            report.note(f"{kind} plan at {size_label(size)} (query point 0):\n{plan}")
    report.note(f"SQL execution at {size_label(size)} (EXPLAIN ANALYZE, median of 5): "
                + ", ".join(f"{k} {v:.2f} ms" for k, v in times.items()))


def _trace(url: str, log: Path, targets: list[Target], report: Report) -> None:
    """The statements each server sends the database for one request."""
    for target in targets:
        found = diag.statement_trace(url, log, partial(phases.answers, target, 0, 1, 30.0))
        report.note(f"{target.name} {target.kind}: {len(found)} statements per request: "
                    + " | ".join(" ".join(sql.split())[:48] for sql in found))


def _diagnose(report: Report, fn: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Run a diagnostic; its failure is noted, not fatal to the figures."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        report.note(f"diagnostic {fn.__name__} failed: {exc!r}")


def _tipg_collection(tipg: Server) -> str:
    status, body = asyncio.run(httpclient.fetch(
        tipg.port, httpclient.get(tipg.port, "/collections?f=json")))
    ids = [c["id"] for c in json.loads(body)["collections"]] if status == 200 else []
    found = [i for i in ids if i.split(".")[-1] == "destination"]
    if not found:
        raise RuntimeError(f"tipg has no destination collection: {status} {ids}")
    return str(found[0])


def _spatialite(cfg: Config, report: Report, stack: ExitStack, workdir: Path,
                parts: frozenset[str]) -> None:
    path = workdir / "tourism.sqlite"
    seconds = data.prepare_spatialite(path, cfg.spatialite_rows)
    label = size_label(cfg.spatialite_rows)
    report.note(f"SpatiaLite {label}: tourism migrate + synthetic in {seconds:.0f} s; served "
                "with TOURISM_ENV=development (production refuses SQLite)")
    server = Server("spatialite", "api.asgi:app",
                    _our_env(f"sqlite:///{path}", "development", cfg), workdir)
    stack.callback(server.stop)
    server.start(cfg.start_timeout_s)
    if "geo" in parts:
        work = Workload.make(cfg)
        target = phases.graphql_target("spatialite", server, cfg, work, NEARBY)
        phases.check_page(target, NEARBY, report, cfg.request_timeout_s)
        rps = phases.throughput(cfg, [target], report)
        report.bench(f"nearby_rps_spatialite_{label}", rps["spatialite"], "req/s")
    if "peer" in parts:
        peer.alone(cfg, report, server, label, workdir)
    report.bench("server_spatialite_peak_rss_mb", server.peak_rss_mb(), "MB")
    server.stop()


if __name__ == "__main__":
    sys.exit(main())
