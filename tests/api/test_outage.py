"""A database that cannot be reached: every route answers 503 with SERVICE_UNAVAILABLE and
Retry-After (the QR pages a page in the visitor's language), nothing is written, and the
service answers again once the database is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts.service import create_api_key
from api import migrations
from api.app import create_app
from api.db import make_async_engine, make_sync_engine
from tests.accounts.helpers import PASSWORD, add_person
from tests.api.test_hardening import settings_for
from tests.conftest import _seed
from tests.postgis_cluster import PostgisCluster

pytestmark = pytest.mark.postgis_only  # SQLite is a file: it has no outage to stage
QUERY = {"query": "{ destinations(first: 1) { edges { node { id } } } }"}
#: A hot read: answered from rows (api/fastpath.py), on PostGIS through the reader of rows
#: (core.row_reads), and compiled once answered (api/compiled.py).
HOT = {"query": """query { nearbyDestinations(near: {lat: 21.03, lng: 105.85},
  radiusMeters: 50000, first: 3) { edges { distanceMeters node { name } } } }"""}
LOGIN = {"query": f"""mutation {{ login(email: "editor@example.vn", password: "{PASSWORD}") {{
  accessToken }} }}"""}


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgisCluster]:
    """A cluster of its own: this test stops it."""
    own = PostgisCluster().start()
    migrations.upgrade(own.url)
    asyncio.run(_seed(own.url))
    try:
        yield own
    finally:
        own.stop()


def rows(url: str) -> dict[str, int]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("account", "auth_session", "usage_count", "listing_change")}
    finally:
        engine.dispose()


async def test_an_outage_is_a_503_everywhere_and_nothing_is_written(
        cluster: PostgisCluster, tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, database_url=cluster.url))
    engine = make_async_engine(cluster.url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        editor = await add_person(session, "editor")
        _, kiosk_key = await create_api_key(session=session, actor=None, name="kiosk")
        await session.commit()
    await engine.dispose()
    before = rows(cluster.url)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://testserver") as client:
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        for _ in range(2):  # the second answered by its compiled document
            assert (await client.post("/graphql", json=HOT)).json()["data"], "a hot read"
        hot_before = app.state.graphql.compiled.answered
        cluster.pause()
        try:
            answers = {
                "read": await client.post("/graphql", json=QUERY),
                "hot read": await client.post("/graphql", json=HOT),
                "sign-in": await client.post("/graphql", json=LOGIN),
                "signed-in": await client.post("/graphql", json=QUERY, headers=editor.headers),
                "api key": await client.post("/graphql", json=QUERY,
                                             headers={"X-API-Key": kiosk_key}),
                "get": await client.get("/graphql", params=QUERY),
                "scan": await client.get("/q/THAU23", headers={"Accept-Language": "vi-VN"}),
                "scan json": await client.get("/q/THAU23", headers={"Accept": "application/json"}),
                "health": await client.get("/healthz"),
            }
        finally:
            cluster.resume()
        for name, answer in answers.items():
            assert answer.status_code == 503, (name, answer.status_code, answer.text[:300])
            assert answer.headers.get("retry-after"), name
            if name == "scan":
                assert answer.headers["content-type"].startswith("text/html")
                assert 'lang="vi' in answer.text and "gián đoạn" in answer.text
            elif name != "health":
                codes = [e["extensions"]["code"] for e in answer.json()["errors"]]
                assert codes and set(codes) == {"SERVICE_UNAVAILABLE"}, (name, codes)
                assert not [word for word in ("Traceback", "psycopg", "asyncpg")
                            if word in answer.text], name
        # and once the database is back, the same requests answer, having written nothing
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        hot = await client.post("/graphql", json=HOT)
        assert hot.status_code == 200 and len(hot.json()["data"]["nearbyDestinations"][
            "edges"]) == 3, hot.text[:300]
        assert app.state.graphql.compiled.answered == hot_before + 1  # compiled, as before
    assert rows(cluster.url) == before
