"""GraphiQL in headless Chromium (driven by playwright-core) with every request outside the
app refused: it renders and runs its example query from npm packages the app serves; and a
page on another origin calls the API with the documented headers through a real preflight."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.http_server import live_server, run_node
from tests.live import free_port


@pytest.fixture(scope="module")
def browsed(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What tests/clients/http_graphiql.mjs saw."""
    port = free_port()
    other = f"http://localhost:{port}"  # another origin, the same server
    with live_server(database_url, tmp_path_factory.mktemp("graphiql"), port=port,
                     cors_origins=(other,)) as base:
        seen: dict[str, Any] = run_node("http_graphiql.mjs", base, other)
    return seen


def test_graphiql_renders_and_runs_a_query_with_nothing_from_outside(
        browsed: dict[str, Any]) -> None:
    assert browsed["status"] == 200 and browsed["rendered"] == 1
    assert browsed["refused"] == [] and browsed["problems"] == []
    assert all(url.startswith("http://127.0.0.1:") for url in browsed["requested"])
    assert any("/assets/graphiql/graphiql.min.js" in url for url in browsed["requested"])
    assert "script-src 'self';" in browsed["csp"]
    assert '"destinations"' in browsed["result"] and '"edges"' in browsed["result"]


def test_a_page_on_another_origin_may_send_the_documented_headers(
        browsed: dict[str, Any]) -> None:
    documented = browsed["cors"]["documented"]
    assert documented.get("status") == 200, documented
    assert documented["body"]["data"]["destinations"]["edges"]
    # a header the service does not document: the browser's preflight refuses the call
    assert "refused" in browsed["cors"]["undocumented"]
