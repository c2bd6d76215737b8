"""Flood benchmark: ordinary queries' p50/p95 before, during and after a flood of the heaviest
queries the cost budget still admits, against the real app under uvicorn (SpatiaLite, demo
data and synthetic destinations). The flood is 8 connections from one client address, inside
its rate limits (the server's own figures, paced on the client); the ordinary queries come
from many visitors' addresses, one at a time. The reference is the "before" phase of the
same run: the target is p95 during ≤ 3× p95 before.

Run alone with `python -m bench.flood`; `bench/__main__.py` calls `main()` (BENCH_ONLY=flood).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.httpclient import Connection, post_json
from bench.servers import Server, clean_env

ORDINARY = ('{ nearbyDestinations(near: {lat: 10.9804, lng: 106.6519}, radiusMeters: 5000, '
            'first: 10, lang: "en") { edges { distanceMeters node { id name nameLang '
            "location { lat lng } openNow } } pageInfo { hasNextPage endCursor } } }")
NODE = ("id name nameLang slug category heritageRanking district description { text lang } "
        "address { text lang } province { code name } location { lat lng } openNow "
        "openingHours { timezone alwaysOpen periods { weekday opens closes } } "
        "prices { amountVnd label { text } } contact { phone website } "
        "accessibility { wheelchair }")
FLOOD_CONNECTIONS = 8
FLOOD_SECONDS = 20.0
PHASE_REQUESTS = 300
SYNTHETIC = 2000
VISITORS = 50


def heaviest_query(budget: int) -> tuple[str, int]:
    """Pages of 100 destinations with every nested field, as many as the budget admits (the
    last page shortened to fill it), and the cost api.cost gives it."""
    from graphql import parse

    from api.cost import query_cost
    from api.schema import build_schema

    schema = build_schema(production=False)._schema

    def text(pages: list[int]) -> str:
        return "{ " + " ".join(f"p{i}: destinations(first: {first}) {{ edges {{ node {{ "
                               f"{NODE} }} }} }}" for i, first in enumerate(pages)) + " }"

    def cost(pages: list[int]) -> int:
        return query_cost(parse(text(pages)), schema=schema)

    pages: list[int] = []
    while cost([*pages, 100]) <= budget:
        pages.append(100)
    last = max((f for f in range(1, 101) if cost([*pages, f]) <= budget), default=0)
    if last:
        pages.append(last)
    return text(pages), cost(pages)


def _p(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _ordinary(port: int, *, count: int | None = None, until: asyncio.Event | None = None
                    ) -> list[float]:
    """Latencies of ordinary queries sent one at a time, each from the next visitor."""
    requests = [post_json(port, "/graphql", {"query": ORDINARY},
                          {"X-Forwarded-For": f"198.51.100.{i + 1}"}) for i in range(VISITORS)]
    conn = Connection(port, 30.0)
    latencies: list[float] = []
    try:
        i = 0
        while (count is not None and i < count) or (until is not None and not until.is_set()):
            started = time.perf_counter()
            status, body = await conn.request(requests[i % VISITORS])
            if status != 200 or b'"errors"' in body:
                raise RuntimeError(f"ordinary query failed: {status} {body[:200]!r}")
            latencies.append(time.perf_counter() - started)
            i += 1
    finally:
        await conn.close()
    return latencies


class _Pacer:
    """The server's rate limit, kept by the client: a token bucket shared by the flood."""

    def __init__(self, per_minute: float, burst: int):
        self.rate = per_minute / 60.0 * 0.95
        self.tokens = float(burst)
        self.burst = float(burst)
        self.last = time.monotonic()

    async def take(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


async def _flood(port: int, query: str, stop: asyncio.Event, outcomes: dict[str, Any]) -> None:
    from api.settings import LimitSettings

    limits = LimitSettings()
    pacer = _Pacer(limits.client_per_minute, limits.client_burst)
    raw = post_json(port, "/graphql", {"query": query}, {"X-Forwarded-For": "203.0.113.7"})

    async def connection() -> None:
        conn = Connection(port, 60.0)
        try:
            while not stop.is_set():
                await pacer.take()
                started = time.perf_counter()
                status, body = await conn.request(raw)
                elapsed = time.perf_counter() - started
                if status == 429:
                    outcomes["429"] += 1
                    continue
                errors = json.loads(body).get("errors") or []
                code = errors[0]["extensions"]["code"] if errors else "ok"
                outcomes[code] = outcomes.get(code, 0) + 1
                if code == "ok":
                    outcomes["latencies"].append(elapsed)
                    outcomes["bytes"] = len(body)
        finally:
            await conn.close()

    await asyncio.gather(*(connection() for _ in range(FLOOD_CONNECTIONS)))


async def _phases(port: int, query: str) -> dict[str, Any]:
    await _ordinary(port, count=50)  # warm up
    before = await _ordinary(port, count=PHASE_REQUESTS)
    stop = asyncio.Event()
    outcomes: dict[str, Any] = {"429": 0, "latencies": []}
    flood = asyncio.create_task(_flood(port, query, stop, outcomes))
    await asyncio.sleep(0.5)
    during = await asyncio.wait_for(_during(port, stop), FLOOD_SECONDS + 60)
    await flood
    after = await _ordinary(port, count=PHASE_REQUESTS)
    return {"before": before, "during": during, "after": after, "flood": outcomes}


async def _during(port: int, stop: asyncio.Event) -> list[float]:
    async def stop_later() -> None:
        await asyncio.sleep(FLOOD_SECONDS)
        stop.set()

    timer = asyncio.create_task(stop_later())
    latencies = await _ordinary(port, until=stop)
    await timer
    return latencies


def _prepare(root: Path) -> str:
    from sqlalchemy.pool import NullPool

    from api import migrations
    from api.db import make_sync_engine
    from bench.qr import _seed
    from geo.synthetic import generate

    url = f"sqlite:///{root}/flood.sqlite"
    migrations.upgrade(url)
    asyncio.run(_seed(url, root / "media", "http://127.0.0.1"))
    engine = make_sync_engine(url, poolclass=NullPool)
    try:
        generate(engine, SYNTHETIC, seed=11)
    finally:
        engine.dispose()
    return url


def main() -> int:
    """Prints the BENCH lines of the flood; 0 when p95 during stays within 3× p95 before."""
    from api.settings import LimitSettings

    budget = LimitSettings().max_query_cost
    query, cost = heaviest_query(budget)
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as folder:
        root = Path(folder)
        url = _prepare(root)
        env = clean_env(TOURISM_DATABASE_URL=url, TOURISM_MEDIA_URL=f"file://{root}/media",
                        TOURISM_PUBLIC_BASE_URL="http://127.0.0.1",
                        TOURISM_TRUST_FORWARDED_FOR="true",
                        TOURISM_SECRET_KEY="bench-secret-key-0123456789abcdef0123")
        server = Server("flood", "api.asgi:app", env, root).start(60)
        try:
            result = asyncio.run(_phases(server.port, query))
        finally:
            server.stop()
    flood = result["flood"]
    heavy = flood["latencies"]
    print(f"BENCH flood_heavy_query_cost {cost} points (budget {budget})")
    print(f"BENCH flood_heavy_query_bytes {flood.get('bytes', 0)} bytes")
    if heavy:
        print(f"BENCH flood_heavy_query_p50 {statistics.median(heavy) * 1000:.1f} ms")
    answers = {k: v for k, v in flood.items() if k not in ("latencies", "bytes")}
    print(f"BENCH flood_heavy_answers {sum(answers.values())} requests "
          f"({', '.join(f'{k} {v}' for k, v in sorted(answers.items()))})")
    for phase in ("before", "during", "after"):
        latencies = result[phase]
        print(f"BENCH flood_ordinary_p50_{phase} {_p(latencies, 0.5):.2f} ms")
        print(f"BENCH flood_ordinary_p95_{phase} {_p(latencies, 0.95):.2f} ms "
              f"({len(latencies)} requests)")
    ratio = _p(result["during"], 0.95) / _p(result["before"], 0.95)
    print(f"BENCH flood_ordinary_p95_during_vs_before {ratio:.2f} ratio (target <= 3)")
    return 0 if ratio <= 3.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
