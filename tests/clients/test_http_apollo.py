"""Apollo Client 4 (npm `@apollo/client`) against a live server: its automatic persisted
queries link falls back once and then sends hashes only, by POST and by GET; a refused
credential reaches the app as GraphQL errors with their code (CombinedGraphQLErrors)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.http_server import live_server, run_node

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"


@pytest.fixture(scope="module")
def apollo(database_url: str, tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, dict[str, Any]]:
    """What each step of tests/clients/http_apollo.mjs gave, by its label."""
    with live_server(database_url, tmp_path_factory.mktemp("apollo")) as base:
        steps = run_node("http_apollo.mjs", f"{base}/graphql")
    return {step["label"]: step for step in steps}


def wire(step: dict[str, Any]) -> list[tuple[str, bool, int]]:
    """Each HTTP exchange of a step: method, whether the query was sent, status."""
    return [(e["method"], e["withQuery"], e["status"]) for e in step["exchanges"]]


def test_the_first_request_sends_the_hash_only_then_falls_back_to_the_query(
        apollo: dict[str, dict[str, Any]]) -> None:
    step = apollo["post-first"]
    assert wire(step) == [("POST", False, 400), ("POST", True, 200)]
    assert len({e["hash"] for e in step["exchanges"]}) == 1 and step["exchanges"][0]["hash"]
    assert step["exchanges"][0]["contentType"] == GRAPHQL_RESPONSE
    assert len(step["data"]["destinations"]["edges"]) == 2


def test_later_clients_send_the_hash_only_and_it_hits(
        apollo: dict[str, dict[str, Any]]) -> None:
    step = apollo["post-again"]
    assert wire(step) == [("POST", False, 200)]
    assert step["data"] == apollo["post-first"]["data"]


def test_hashed_queries_by_get_fall_back_by_post_then_hit_and_are_cacheable(
        apollo: dict[str, dict[str, Any]]) -> None:
    first, again = apollo["get-first"], apollo["get-again"]
    assert wire(first) == [("GET", False, 400), ("POST", True, 200)]
    assert first["exchanges"][0]["cacheControl"] == "no-store"  # a miss is never cached
    assert wire(again) == [("GET", False, 200)]
    hit = again["exchanges"][0]
    assert hit["cacheControl"] == "public, max-age=60"
    assert {"Accept-Language", "X-Tourism-Language"} <= {
        v.strip() for v in hit["vary"].split(",")}
    assert again["data"] == first["data"] and again["data"]["nearbyDestinations"]["edges"]


def test_a_bad_token_is_a_graphql_error_with_its_code(
        apollo: dict[str, dict[str, Any]]) -> None:
    step = apollo["bad-token"]
    assert step["error"] == "CombinedGraphQLErrors", step
    assert step["codes"] == ["INVALID_TOKEN"]
    assert [(e["status"], e["contentType"]) for e in step["exchanges"]] == [
        (401, GRAPHQL_RESPONSE)]
