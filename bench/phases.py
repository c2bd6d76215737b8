"""The measures: sequential latency, concurrent throughput, and checks that answers agree."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench import httpclient
from bench.config import Config
from bench.report import Report, median, percentile
from bench.servers import Server
from bench.workload import AREA, Workload

#: Requests in a row to one server before the other takes its turn (latency measures).
LATENCY_CHUNK = 10
#: Builds `count` requests for a server's port from query point `start` on.
Builder = Callable[[int, int, int], list[bytes]]


@dataclass(frozen=True)
class Target:
    """A server and how to ask it one kind of query."""

    name: str
    server: Server
    build: Builder
    kind: str

    def requests(self, start: int, count: int) -> list[bytes]:
        """count requests from query point start on."""
        return self.build(self.server.port, start, count)


def graphql_target(name: str, server: Server, cfg: Config, work: Workload,
                   kind: str) -> Target:
    """Our app or the bare one, asked with the same GraphQL requests."""
    return Target(name, server, lambda port, start, count: work.graphql(cfg, kind, port, start,
                                                                        count), kind)


def tipg_target(server: Server, cfg: Config, work: Workload, collection: str) -> Target:
    """tipg, asked for the items of the same boxes."""
    return Target("tipg", server, lambda port, start, count: work.tipg(cfg, collection, port,
                                                                       start, count), AREA)


def latency(cfg: Config, targets: Sequence[Target]) -> dict[str, tuple[float, float]]:
    """(p50, p95) in ms per target name: one client per target, the targets taking turns
    every LATENCY_CHUNK requests on the same query points; the median over rounds."""
    p50: dict[str, list[float]] = {}
    p95: dict[str, list[float]] = {}
    n, warm = cfg.latency_requests, cfg.latency_warmup
    for r in range(cfg.latency_rounds):
        warmups = [t.requests(cfg.query_points // 2 + r * warm, warm) for t in targets]
        timed = [t.requests(r * n, n) for t in targets]
        found = asyncio.run(httpclient.interleaved(
            [t.server.port for t in targets], warmups, timed, LATENCY_CHUNK,
            cfg.request_timeout_s))
        for target, samples in zip(targets, found, strict=True):
            p50.setdefault(target.name, []).append(percentile(samples, 50))
            p95.setdefault(target.name, []).append(percentile(samples, 95))
    return {name: (median(p50[name]), median(p95[name])) for name in p50}


def throughput(cfg: Config, targets: Sequence[Target], report: Report) -> dict[str, float]:
    """Requests/s per target name: cfg.clients keep-alive clients, rounds interleaved."""
    rps: dict[str, list[float]] = {}
    client_cpu: dict[str, list[float]] = {}
    count = max(cfg.query_points // 2, 1)
    for r in range(cfg.rps_rounds):
        for target in targets:
            requests = target.requests(r * 97, count)
            result = asyncio.run(httpclient.concurrent(
                target.server.port, requests, clients=cfg.clients, seconds=cfg.rps_seconds,
                warmup_seconds=cfg.rps_warmup_seconds, max_requests=cfg.rps_max_requests,
                timeout_s=cfg.request_timeout_s))
            if result.errors:
                report.note(f"{target.name}: {result.errors} failed requests in round {r}")
            rps.setdefault(target.name, []).append(result.rps)
            client_cpu.setdefault(target.name, []).append(result.client_cpu_s / result.seconds)
    for name, values in rps.items():
        report.note(f"{name}: rps per round " + ", ".join(f"{v:.0f}" for v in values)
                    + f" (load client busy {100 * median(client_cpu[name]):.0f}% of a core)")
    return {name: median(values) for name, values in rps.items()}


async def bodies(port: int, requests: Sequence[bytes], timeout_s: float) -> list[bytes]:
    """The bodies of requests sent one after another on one connection; raises on a
    status other than 200."""
    conn = httpclient.Connection(port, timeout_s)
    try:
        out = []
        for raw in requests:
            status, body = await conn.request(raw)
            if status != 200:
                raise httpclient.HttpError(f"status {status} from {port}: {body[:500]!r}")
            out.append(body)
        return out
    finally:
        await conn.close()


def answers(target: Target, start: int, count: int, timeout_s: float) -> list[bytes]:
    """The bodies a target gives for count query points from start on."""
    return asyncio.run(bodies(target.server.port, target.requests(start, count), timeout_s))


def edges_of(body: bytes) -> list[dict[str, object]]:
    """The edges of a GraphQL answer; raises on GraphQL errors."""
    document = json.loads(body)
    if document.get("errors"):
        raise RuntimeError(f"GraphQL errors: {document['errors']}")
    (connection,) = document["data"].values()
    return list(connection["edges"])


def check_same(ours: Target, bare: Target, kind: str, report: Report, count: int,
               timeout_s: float) -> None:
    """Our answers and the bare app's must be the same bytes; note the page sizes seen."""
    mine = answers(ours, 0, count, timeout_s)
    theirs = answers(bare, 0, count, timeout_s)
    same = sum(a == b for a, b in zip(mine, theirs, strict=True))
    sizes = [len(edges_of(body)) for body in mine]
    report.note(f"{kind}: bare answers byte-identical to ours for {same}/{count} points; "
                f"edges per answer min {min(sizes)} median {median(sizes):.0f} "
                f"max {max(sizes)}")
    if same != count:
        a, b = next((a, b) for a, b in zip(mine, theirs, strict=True) if a != b)
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                  min(len(a), len(b)))
        report.note(f"  first difference at byte {at}: ours {a[max(0, at - 60):at + 60]!r}")
        report.note(f"  bare {b[max(0, at - 60):at + 60]!r}")


def _decoded_id(global_id: str) -> int:
    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    return int(raw.split(":", 1)[1])


def check_tipg(ours: Target, tipg: Target, report: Report, count: int,
               timeout_s: float) -> None:
    """Both give full pages of destinations inside each box (ours nearest the centre first,
    tipg in id order, so the pages hold different members of the same box)."""
    mine = answers(ours, 0, count, timeout_s)
    theirs = answers(tipg, 0, count, timeout_s)
    same_size = 0
    for a, b in zip(mine, theirs, strict=True):
        our_ids = [_decoded_id(str(e["node"]["id"])) for e in edges_of(a)]  # type: ignore[index]
        tipg_ids = [int(f["id"]) for f in json.loads(b)["features"]]
        same_size += len(our_ids) == len(tipg_ids) and len(set(our_ids)) == len(our_ids)
    sample = json.loads(theirs[0])["features"][:1]
    report.note(f"area: tipg and ours give pages of the same size for {same_size}/{count} "
                f"boxes; a tipg feature: {json.dumps(sample, ensure_ascii=False)[:300]}")


def check_page(target: Target, kind: str, report: Report, timeout_s: float) -> None:
    """A target answers without errors; note its page sizes."""
    sizes = [len(edges_of(body)) for body in answers(target, 0, 5, timeout_s)]
    report.note(f"{target.name} {kind}: edges per answer {sizes}")

