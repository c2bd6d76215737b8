"""The public API holds: errors masked in production, introspection and GraphiQL off there,
rate limits answering 429 with Retry-After, a time limit per operation, and a hostile burst
against a real uvicorn server that leaves it answering normal requests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.db import make_async_engine
from api.settings import (
    AuthSettings,
    DatabaseSettings,
    LimitSettings,
    MediaSettings,
    ServerSettings,
    Settings,
)
from tests.accounts.helpers import add_person, codes
from tests.api.test_catalogue import ALIASES, DEEP, FRAGMENT_BOMB, TOKEN_FLOOD
from tests.conftest import TEST_SECRET
from tests.live import serving

LIST = "{ destinations(first: 2) { edges { node { id name } } } }"
UNREACHABLE = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none"


def settings_for(tmp_path: Path, *, env: Any = "development",
                 database_url: str = "sqlite:///unused.sqlite", **limits: Any) -> Settings:
    # production refuses a non-https public URL
    public = "https://tourism.example.vn" if env == "production" else "http://testserver"
    return Settings(server=ServerSettings(env=env, public_base_url=public),
                    auth=AuthSettings(secret_key=TEST_SECRET),
                    db=DatabaseSettings(url=database_url),
                    media=MediaSettings(url=f"file://{tmp_path}/media"),
                    limits=LimitSettings(**limits))


async def post(app: Any, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.post("/graphql", json={"query": query}, headers=headers or {})


@pytest.mark.parametrize("env", ["production", "development"])
async def test_unexpected_errors_are_masked_in_production(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, env: str,
) -> None:
    # given a database without the service's tables: every query fails in an unexpected way
    # (one that cannot be reached is SERVICE_UNAVAILABLE instead: tests/api/test_outage.py)
    settings = settings_for(tmp_path, env=env, database_url=UNREACHABLE)
    engine = make_async_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite'}", poolclass=NullPool)
    app = create_app(settings, engine=engine)
    with caplog.at_level(logging.ERROR, logger="tourism.api"):
        response = await post(app, LIST)
    await engine.dispose()
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    if env == "production":
        assert error["message"] == "Unexpected error."
        assert "psycopg" not in response.text and "127.0.0.1" not in response.text
    else:
        assert error["message"].startswith("Unexpected error. (")
    assert "Traceback" not in response.text
    # the detail is in the log only
    assert any("unexpected error" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("env", ["production", "development"])
async def test_introspection_and_graphiql_only_in_development(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession], connection: AsyncConnection,
    env: str,
) -> None:
    settings = settings_for(tmp_path, env=env, database_url=UNREACHABLE)
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    answer = (await post(app, "{ __schema { queryType { name } } }")).json()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        ide = await c.get("/graphql", headers={"Accept": "text/html"})
    if env == "production":
        assert codes(answer) == ["INTROSPECTION_DISABLED"]
        # no GraphiQL: a request accepting only HTML gets what the API speaks, refused
        assert ide.status_code == 406 and codes(ide.json()) == ["NOT_ACCEPTABLE"]
        assert "graphiql" not in ide.text.lower()
    else:
        assert answer["data"]["__schema"]["queryType"]["name"] == "Query"
        assert ide.status_code == 200 and "graphiql" in ide.text.lower()


async def test_rate_limits_per_client_and_per_account(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession], connection: AsyncConnection,
    session: AsyncSession,
) -> None:
    settings = settings_for(tmp_path, client_per_minute=1, client_burst=6,
                            account_per_minute=1, account_burst=2)
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    editor = await add_person(session, "editor")
    # the account's bucket (2) empties before the client's (6)
    signed = [(await post(app, "{ me { email } }", editor.headers)) for _ in range(3)]
    assert [r.status_code for r in signed] == [200, 200, 429]
    refused = signed[-1]
    assert codes(refused.json()) == ["RATE_LIMITED"]
    assert refused.json()["errors"][0]["extensions"]["limit"] == "account"
    assert int(refused.headers["retry-after"]) >= 1
    # anonymous requests from the same address still have the client's bucket (3 left)
    anonymous = [(await post(app, LIST)).status_code for _ in range(4)]
    assert anonymous == [200, 200, 200, 429]


async def test_an_operation_past_its_time_limit_is_stopped(tmp_path: Path,
                                                           database_url: str) -> None:
    settings = settings_for(tmp_path, operation_timeout_s=0.000001)
    engine = make_async_engine(database_url, poolclass=NullPool)
    app = create_app(settings, engine=engine)
    response = await post(app, LIST)
    await asyncio.sleep(0.5)  # the driver's worker thread finishes the statement it was in
    await engine.dispose()
    assert response.status_code == 200
    assert codes(response.json()) == ["OPERATION_TIMEOUT"]
    assert response.json()["data"] is None


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[str]:
    """The app on a real uvicorn server on a loopback port, with its own engine."""
    settings = settings_for(tmp_path, database_url=database_url,
                            client_per_minute=100_000, client_burst=100_000)
    with serving(create_app(settings)) as url:
        yield url


HOSTILE = [
    ("deep", {"query": DEEP}), ("aliases", {"query": ALIASES}),
    ("fragment bomb", {"query": FRAGMENT_BOMB}), ("tokens", {"query": TOKEN_FLOOD}),
]


async def test_a_hostile_burst_leaves_the_server_answering(live_server: str) -> None:
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=live_server, timeout=30, limits=limits) as client:
        async def hostile(i: int) -> int:
            name, body = HOSTILE[i % len(HOSTILE)]
            if i % 5 == 4:  # an oversized body, 2 MB, on a connection of its own: the
                # server answers 413 and drops the connection without reading the rest, which
                # must not be taken back into the shared pool
                async with httpx.AsyncClient(base_url=live_server, timeout=30) as own:
                    response = await own.post("/graphql", content=b"{" + b" " * 2_000_000,
                                              headers={"content-type": "application/json"})
                return response.status_code
            response = await client.post("/graphql", json=body)
            assert codes(response.json()), name
            return response.status_code

        statuses = await asyncio.gather(*(hostile(i) for i in range(60)))
        assert set(statuses) <= {200, 413}, statuses
        started = time.monotonic()
        normal = await client.post("/graphql", json={"query": LIST})
        elapsed = time.monotonic() - started
    assert normal.status_code == 200
    assert len(normal.json()["data"]["destinations"]["edges"]) == 2
    assert elapsed < 10, elapsed  # generous: it answers at once when the server holds
