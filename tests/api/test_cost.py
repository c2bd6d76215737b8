"""The cost budget and the answer size cap: a costly query is refused before it runs (with its
cost and the budget) while ordinary ones pass, on both databases; every query of the README
and the largest ordinary page fit the budget; fragments cost per use and are walked once; a
costly query waits for its slot, and an ordinary one never does."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api import cost
from api.app import create_app
from api.schema import build_schema
from api.settings import LimitSettings, Settings
from tests.accounts.helpers import codes
from tests.api.test_query_count import PAGE
from tests.conftest import ROOT, graphql

SCHEMA = build_schema(production=False)._schema
BUDGET = LimitSettings().max_query_cost
STOPS = "id name stops { id title { text } narration { lang audioUrl durationSeconds } }"
PAGE_OF_STOPS = f"destinations(first: 100) {{ edges {{ node {{ {STOPS} }} }} }}"
# The issue's query: 30 aliases (the most allowed) of a page of 100 with nested stops, 8 KB.
COSTLY = "{ " + " ".join(f"a{i}: {PAGE_OF_STOPS}" for i in range(30)) + " }"
ORDINARY = "{ destinations(first: 2) { edges { node { id name } } } }"


def cost_of(query: str, variables: dict[str, object] | None = None) -> int:
    return cost.query_cost(parse(query), schema=SCHEMA, variables=variables)


def test_the_issue_s_query_is_over_the_budget_and_the_largest_ordinary_page_within() -> None:
    assert cost_of(COSTLY) > 10 * BUDGET
    assert cost_of(PAGE, {"first": 100}) <= BUDGET
    assert cost_of("{ " + PAGE_OF_STOPS + " }") <= BUDGET


def test_every_query_of_the_readme_fits_the_budget() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        assert 0 < cost_of(block) <= BUDGET // cost.COSTLY_SHARE, block


def test_first_multiplies_lists_from_literals_variables_and_defaults() -> None:
    query = "query($n: Int) { destinations(first: $n) { edges { node { id stops { id } } } } }"
    per_node = 1 + 1 + 1 + cost.UNPAGED_LIST_SIZE * 1  # node, id, stops, its ids
    assert cost_of(query, {"n": 7}) == 1 + 1 + 7 * per_node
    assert cost_of(query) == 1 + 1 + 20 * per_node  # DEFAULT_PAGE_SIZE
    assert cost_of(query, {"n": 5000}) == 1 + 1 + 100 * per_node  # the resolver refuses it
    # pageInfo is one object, not one per item
    assert cost_of("{ destinations(first: 50) { pageInfo { hasNextPage } } }") == 3


def test_a_fragment_costs_per_use_and_a_fragment_bomb_is_measured_fast() -> None:
    once = ("{ destinations(first: 10) { edges { node { ...F } } } } "
            "fragment F on Destination { id }")
    twice = ("{ destinations(first: 10) { edges { node { ...F ...F } } } } "
             "fragment F on Destination { id }")
    assert cost_of(twice) - cost_of(once) == 10
    bomb = ("query { destinations(first: 100) { edges { node { ...F0 } } } } " + " ".join(
        f"fragment F{i} on Destination {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
        + " fragment F40 on Destination { slug }")
    started = time.perf_counter()
    assert cost_of(bomb) > 2**40
    assert time.perf_counter() - started < 0.5


async def test_a_costly_query_is_refused_while_an_ordinary_one_passes(
        client: httpx.AsyncClient) -> None:
    refused = await graphql(client, COSTLY)
    assert codes(refused) == ["QUERY_TOO_COSTLY"] and refused["data"] is None
    extensions = refused["errors"][0]["extensions"]
    assert extensions["budget"] == BUDGET and extensions["cost"] == cost_of(COSTLY)
    passed = await graphql(client, ORDINARY)
    assert "errors" not in passed and len(passed["data"]["destinations"]["edges"]) == 2
    page = await graphql(client, PAGE, {"first": 100})
    assert "errors" not in page, page


async def test_a_costly_query_waits_for_its_slot_and_an_ordinary_one_does_not(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cost_of(PAGE, {"first": 100}) > BUDGET // cost.COSTLY_SHARE
    monkeypatch.setattr(cost.COSTLY, "rest_ratio", 0.0)
    # every slot taken (waiting out the rest of an earlier costly query, if any)
    taken = [await cost.COSTLY.acquire() for _ in range(cost.COSTLY_AT_ONCE)]
    monkeypatch.setattr(cost.COSTLY, "wait_s", 0.05)
    try:
        busy = await graphql(client, PAGE, {"first": 100})
        assert codes(busy) == ["SERVICE_BUSY"] and busy["data"] is None
        assert "errors" not in await graphql(client, ORDINARY)
    finally:
        for taken_at in taken:
            cost.COSTLY.release(taken_at)
    assert "errors" not in await graphql(client, PAGE, {"first": 100})


async def test_an_answer_over_the_size_cap_is_refused(
        settings: Settings, sessions: async_sessionmaker[AsyncSession],
        connection: AsyncConnection) -> None:
    capped = settings.model_copy(update={"limits": LimitSettings(max_response_bytes=4096)})
    app = create_app(capped, engine=connection.engine, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        large = await c.post("/graphql", json={"query": PAGE, "variables": {"first": 50}})
        small = await c.post("/graphql", json={"query": ORDINARY})
    body = large.json()
    assert codes(body) == ["RESPONSE_TOO_LARGE"] and body["data"] is None
    assert body["errors"][0]["extensions"]["limit"] == 4096
    assert len(large.content) < 4096 and "errors" not in small.json()
