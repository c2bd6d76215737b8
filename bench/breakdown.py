"""Where our request time goes, in process: `python -m bench.breakdown` (optional, ~1 min).

On a throwaway PostGIS cluster with BENCH_BREAKDOWN_ROWS synthetic destinations (10k), it
times, per nearbyDestinations / destinationsInArea request of the benchmark:
the whole ASGI app called directly (no socket, no uvicorn); schema.execute alone; GraphQL
validation alone; geo.spatial's call with its session; the same SQL on a bare psycopg
connection; and the app again with SQLAlchemy's pool pre-ping off, and with the schema's
limiter extensions given as instances (so ValidationCache can hit). Prints `#` lines only.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from bench import data
from bench.config import load
from bench.diag import fill
from bench.report import median
from bench.workload import AREA, NEARBY, Workload, area_query, capture_sql, nearby_query

ROUNDS = 150
REPS = 3


async def _timed(fn: Callable[[int], Awaitable[Any]], rounds: int = ROUNDS) -> float:
    """Median ms of fn(i) over rounds calls, after rounds // 5 warm-up calls."""
    for i in range(rounds // 5):
        await fn(i)
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        await fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


def _asgi_caller(app: Any, payloads: list[bytes]) -> Callable[[int], Awaitable[Any]]:
    async def call(i: int) -> bytes:
        body = payloads[i % len(payloads)]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80),
                 "headers": [(b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode())]}
        sent: list[bytes] = []
        done = False

        async def receive() -> dict[str, Any]:
            nonlocal done
            if done:
                await asyncio.sleep(3600)
            done = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                sent.append(message.get("body", b""))

        await app(scope, receive, send)
        out = b"".join(sent)
        if b'"errors"' in out:
            raise RuntimeError(out[:500])
        return out
    return call


def _payloads(kind: str, work: Workload) -> list[dict[str, Any]]:
    cfg = load()
    if kind == NEARBY:
        return [{"query": nearby_query(cfg), "variables": {"near": {"lat": p.lat, "lng": p.lng}}}
                for p in work.points[:200]]
    return [{"query": area_query(cfg), "variables": {"bbox": {
        "west": b.west, "south": b.south, "east": b.east, "north": b.north}}}
        for b in work.boxes[:200]]


Step = Callable[[int], Awaitable[Any]]


def _app_steps(url: str, work: Workload, settings: Any
               ) -> tuple[dict[str, Any], list[Any], Any]:
    """ASGI callers of the app as is and of two variants, per kind; their engines; and the
    GraphQL view of the app as is."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from strawberry.extensions import (
        AddValidationRules,
        MaxAliasesLimiter,
        MaxTokensLimiter,
        ParserCache,
        QueryDepthLimiter,
        ValidationCache,
    )

    import api.app
    import api.schema as schema_module
    from api.db import async_url, make_async_engine

    original_build = schema_module.build_schema
    # The limiters' rule classes made once, so ValidationCache's key is the same every time.
    rules = [*QueryDepthLimiter(max_depth=schema_module.MAX_DEPTH).validation_rules,
             *MaxAliasesLimiter(max_alias_count=schema_module.MAX_ALIASES).validation_rules]

    def build_with_stable_rules(*, production: bool) -> Any:
        schema = original_build(production=production)
        rest = [e for e in schema.extensions if getattr(e, "__name__", "") != "<lambda>"]
        schema.extensions = (
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=schema_module.MAX_TOKENS),
            lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256), *rest)
        return schema

    variants: list[tuple[str, Any, Callable[..., Any] | None]] = [
        ("ASGI app as is", make_async_engine(url, pool_size=5), None),
        ("ASGI app, pool_pre_ping off", create_async_engine(
            async_url(url), pool_size=5, max_overflow=5, pool_pre_ping=False), None),
        ("ASGI app, limiter rules made once", make_async_engine(url, pool_size=5),
         build_with_stable_rules),
    ]
    steps: dict[str, Any] = {}
    views = []
    for name, engine, build in variants:
        if build is not None:
            api.app.build_schema = build  # type: ignore[attr-defined]
        try:
            app = api.app.create_app(settings, engine=engine)
        finally:
            api.app.build_schema = original_build  # type: ignore[attr-defined]
        views.append(next(getattr(r, "endpoint", None) for r in app.routes
                          if getattr(r, "path", None) == "/graphql"))
        for kind in (NEARBY, AREA):
            bodies = [json.dumps(p).encode() for p in _payloads(kind, work)]
            steps[f"{kind}|{name}"] = _asgi_caller(app, bodies)
    return steps, [engine for _, engine, _ in variants], views[0]


def _part_steps(kind: str, engine: Any, work: Workload, view: Any) -> dict[str, Step]:
    from graphql import parse, validate
    from starlette.requests import Request
    from starlette.responses import Response

    from api.db import make_session_factory
    from core.paging import PageRequest
    from geo import spatial
    from geo.service import DestinationFilter

    cfg = load()
    payloads = _payloads(kind, work)
    schema = view.schema
    document = parse(payloads[0]["query"])
    rules = schema_rules(schema)
    sessions = make_session_factory(engine)
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [],
             "query_string": b""}

    async def validation(i: int) -> None:
        validate(schema._schema, document, rules)

    async def domain(i: int) -> None:
        async with sessions() as session:
            if kind == NEARBY:
                await spatial.nearby_destinations(
                    session=session, near=work.points[i % 200], radius_m=cfg.radius_m,
                    flt=DestinationFilter(), page=PageRequest(first=cfg.nearby_first))
            else:
                await spatial.destinations_in_area(
                    session=session, bbox=work.boxes[i % 200], area=None,
                    flt=DestinationFilter(), page=PageRequest(first=cfg.area_first))

    async def execute(i: int) -> None:
        context = await view.get_context(Request(scope), Response())
        payload = payloads[i % len(payloads)]
        result = await schema.execute(payload["query"], variable_values=payload["variables"],
                                      context_value=context)
        if result.errors:
            raise RuntimeError(result.errors)

    return {f"{kind}|  schema.execute (parse, validate, resolve)": execute,
            f"{kind}|  GraphQL validation alone (graphql-core)": validation,
            f"{kind}|  geo.spatial call + session (SQLAlchemy ORM)": domain}


def schema_rules(schema: Any) -> tuple[Any, ...]:
    """graphql-core's standard rules plus the limiters the schema adds."""
    from graphql import specified_rules
    from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

    from api.schema import MAX_ALIASES, MAX_DEPTH
    return (*specified_rules, *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
            *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)


def _bare_steps(conn: Any, spec: dict[str, Any], work: Workload) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for kind in (NEARBY, AREA):
        def values(i: int) -> dict[str, float]:
            p, b = work.points[i % 200], work.boxes[i % 200]
            return {"lat": p.lat, "lng": p.lng, "west": b.west, "south": b.south,
                    "east": b.east, "north": b.north}

        async def run(i: int, kind: str = kind) -> None:
            cursor = await conn.execute(spec[kind]["sql"], fill(spec[kind], values(i)))
            await cursor.fetchall()

        steps[f"{kind}|  same SQL, bare psycopg connection"] = run
    return steps


async def _measure(url: str, spec: dict[str, Any], work: Workload) -> None:
    from api.settings import AuthSettings, DatabaseSettings, LimitSettings, ServerSettings, Settings

    unlimited = 10**9  # the rate limits must never answer 429 to this single caller
    settings = Settings(server=ServerSettings(env="production"), db=DatabaseSettings(url=url),
                        auth=AuthSettings(secret_key=secrets.token_hex(20)),
                        limits=LimitSettings(client_per_minute=unlimited,
                                             client_burst=unlimited,
                                             account_per_minute=unlimited,
                                             account_burst=unlimited))
    conn = await psycopg.AsyncConnection.connect(data.libpq_url(url), autocommit=True)
    steps, engines, view = _app_steps(url, work, settings)
    for kind in (NEARBY, AREA):
        steps.update(_part_steps(kind, engines[0], work, view))
    steps.update(_bare_steps(conn, spec, work))
    found: dict[str, list[float]] = {}
    try:
        for _ in range(REPS):
            for name, step in steps.items():
                found.setdefault(name, []).append(await _timed(step))
    finally:
        await conn.close()
        for engine in engines:
            await engine.dispose()
    for name in sorted(found, key=lambda n: (n.split("|")[0] != NEARBY, list(found).index(n))):
        kind, label = name.split("|")
        print(f"# {kind:6} {label:48} {median(found[name]):6.2f} ms")


def main() -> None:
    """Start a cluster, load rows, print the breakdown, stop the cluster."""
    from tests.postgis_cluster import PostgisCluster

    rows = int(os.environ.get("BENCH_BREAKDOWN_ROWS", "10000"))
    cluster = PostgisCluster()
    try:
        cluster.start()
        data.migrate(cluster.url)
        data.grow(cluster.url, rows, 0)
        cfg, work = load(), Workload.make(load())
        spec = asyncio.run(capture_sql(cluster.url, cfg))
        print(f"# breakdown on {rows} destinations: per request, median over {REPS} "
              f"interleaved repeats of the median of {ROUNDS} calls")
        asyncio.run(_measure(cluster.url, spec, work))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
