"""README's example queries answer at any hour: every ```graphql block that is a query runs
against the demo data at night and by day (the clock of the request fixed), and must give
data without errors. (Mutations are left out: they need an account and write.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse

from api.app import GraphQLApp
from tests.conftest import ROOT

BLOCKS = re.findall(r"^```graphql\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"),
                    re.MULTILINE | re.DOTALL)


def is_query(document: str) -> bool:
    return all(d.operation == OperationType.QUERY for d in parse(document).definitions
               if isinstance(d, OperationDefinitionNode))


QUERIES = [block for block in BLOCKS if is_query(block)]


def empty_roots(data: dict[str, Any] | None) -> list[str]:
    """The root fields that gave nothing: null, an empty list, a page without edges."""
    if not data:
        return ["data"]
    return [name for name, value in data.items()
            if value in (None, []) or (isinstance(value, dict) and value.get("edges") == [])]


def test_the_readme_has_example_queries() -> None:
    assert len(QUERIES) >= 2 and len(BLOCKS) > len(QUERIES)  # the mutation is left out


@pytest.fixture(params=[2, 10], ids=["at 2 am", "at 10 am"])
def hour(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Requests made at that hour of a Saturday in Việt Nam (when opening hours matter)."""
    moment = datetime(2026, 3, 14, request.param, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    made = GraphQLApp.get_context

    async def at_that_hour(self: GraphQLApp, req: Any, response: Any) -> Any:
        context = await made(self, req, response)
        context.now = moment.astimezone(UTC)
        return context

    monkeypatch.setattr(GraphQLApp, "get_context", at_that_hour)
    hour: int = request.param
    return hour


@pytest.mark.parametrize("query", QUERIES, ids=[
    re.sub(r"\W+", " ", q.split("{")[0]).strip() or f"query {i}" for i, q in enumerate(QUERIES)])
async def test_each_readme_query_answers_data_without_errors(
        client: httpx.AsyncClient, hour: int, query: str) -> None:
    response = await client.post("/graphql", json={"query": query})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert empty_roots(body["data"]) == [], f"nothing at {hour}:00: {body['data']}"
