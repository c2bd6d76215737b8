"""A client's mistake is the client's: an anonymous read of a protected part of an object is
UNAUTHENTICATED (the public part still answers), never INTERNAL_SERVER_ERROR, and closing the
request's session never raises over the result."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.types.common import to_global_id
from tests.api.test_hardening import settings_for

QUERY = """query($id: ID!) { listing(id: $id) { destination { openNow }
  changes { edges { cursor } } } }"""


@pytest.mark.parametrize("env", ["development", "production"])
async def test_an_anonymous_read_of_a_listing_s_changes_is_unauthenticated(
        database_url: str, tmp_path: Path, env: str) -> None:
    if env == "production" and database_url.startswith("sqlite"):
        pytest.skip("production refuses SQLite")
    app = create_app(settings_for(tmp_path, env=env, database_url=database_url))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://testserver") as client:
        for _ in range(5):  # every time, and the service goes on answering
            answer = await client.post("/graphql", json={
                "query": QUERY, "variables": {"id": to_global_id("Destination", 1)}})
            assert answer.status_code == 200
            codes = [e["extensions"]["code"] for e in answer.json()["errors"]]
            assert codes == ["UNAUTHENTICATED"], answer.json()
        public = await client.post("/graphql", json={
            "query": "query($id: ID!) { listing(id: $id) { destination { openNow } } }",
            "variables": {"id": to_global_id("Destination", 1)}})
        assert "errors" not in public.json() and public.json()["data"]["listing"]
