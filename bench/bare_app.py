"""The floor to compare with: bare Starlette running the service's own SQL through psycopg 3.

It answers the benchmark's two GraphQL requests (told apart by their variables, the query text
is not parsed) with the JSON GraphQL would give for the fields the benchmark asks. Configured
by BENCH_BARE_DSN (a libpq URL), BENCH_BARE_SPEC (the JSON file of bench.workload.capture_sql)
and BENCH_BARE_POOL (pool size; the pool may grow to twice that, as SQLAlchemy's does).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.types.common import to_global_id
from bench.workload import with_centre
from core.language import language_chain, pick

SPEC: dict[str, Any] = json.loads(Path(os.environ["BENCH_BARE_SPEC"]).read_text())
POOL_SIZE = int(os.environ.get("BENCH_BARE_POOL", "5"))
pool = AsyncConnectionPool(
    os.environ["BENCH_BARE_DSN"], min_size=POOL_SIZE, max_size=2 * POOL_SIZE, open=False,
    kwargs={"autocommit": True, "options": "-c statement_timeout=5000"},
)


def _params(kind: str, values: dict[str, float]) -> dict[str, Any]:
    spec = SPEC[kind]
    params = dict(spec["params"])
    if "west" in values:
        values = with_centre(values)
    for name, role in spec["slots"].items():
        params[name] = float(values[role])
    return params


def _node(row: tuple[Any, ...], col: dict[str, int], chain: tuple[str, ...]) -> dict[str, Any]:
    found = pick(row[col["name"]], chain)
    return {"id": to_global_id("Destination", row[col["id"]]),
            "name": found.text if found else row[col["slug"]],
            "location": {"lat": row[col["ST_Y_1"]], "lng": row[col["ST_X_1"]]}}


async def graphql(request: Request) -> Response:
    """POST /graphql for the benchmark's nearby and area requests only."""
    variables = (await request.json())["variables"]
    chain = language_chain(None, request.headers.get("accept-language"))
    if "near" in variables:
        kind, field = "nearby", "nearbyDestinations"
        params = _params(kind, variables["near"])
    else:
        kind, field = "area", "destinationsInArea"
        params = _params(kind, variables["bbox"])
    async with pool.connection() as conn:
        cursor = await conn.execute(SPEC[kind]["sql"], params)
        rows = await cursor.fetchall()
        col = {d.name: i for i, d in enumerate(cursor.description or ())}
    first = int(SPEC[kind]["first"])
    if kind == "nearby":
        edges = [{"distanceMeters": float(r[col["distance"]]), "node": _node(r, col, chain)}
                 for r in rows[:first]]
    else:
        edges = [{"node": _node(r, col, chain)} for r in rows[:first]]
    body = orjson.dumps({"data": {field: {"edges": edges}}})  # as the app encodes
    return Response(body, media_type="application/json")


async def healthz(request: Request) -> Response:
    """200 once the pool answers."""
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the pool on start, close it on stop."""
    await pool.open(wait=True, timeout=30)
    yield
    await pool.close()


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]),
                        Route("/healthz", healthz, methods=["GET"])], lifespan=lifespan)
