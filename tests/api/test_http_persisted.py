"""Automatic persisted queries over HTTP (the protocol of Apollo's link, which
tests/clients/test_http_apollo.py drives for real): a hash alone is PersistedQueryNotFound
until the query has been sent with it and passed; a query that does not match its hash, a
wrong version or a malformed hash is refused and keeps nothing; documents that fail
validation or the limits are never kept; the store is bounded."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.persisted import PersistedQueries, document_hash
from tests.api.test_catalogue import DEEP
from tests.api.test_cost import COSTLY

APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"
QUERY = "query Nearby { destinations(first: 3) { edges { node { id name } } } }"


def persisted(sha256: str, version: Any = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256}}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def by_hash(client: httpx.AsyncClient, query: str, *, method: str = "POST"
                  ) -> httpx.Response:
    extensions = persisted(document_hash(query))
    if method == "GET":
        return await client.get("/graphql", headers={"accept": APOLLO_ACCEPT},
                                params={"extensions": json.dumps(extensions)})
    return await client.post("/graphql", json={"extensions": extensions},
                             headers={"accept": APOLLO_ACCEPT})


async def test_a_hash_is_found_once_its_query_has_been_sent(client: httpx.AsyncClient) -> None:
    # given a hash the server has never seen
    missed = await by_hash(client, QUERY)
    assert missed.status_code == 400 and "data" not in missed.json()
    assert missed.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert codes(missed.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    # when the client sends the query with its hash
    sent = await client.post("/graphql", headers={"accept": APOLLO_ACCEPT}, json={
        "query": QUERY, "extensions": persisted(document_hash(QUERY))})
    assert sent.status_code == 200 and sent.json()["data"]["destinations"]["edges"]
    # then the hash alone answers, by POST and by GET (cacheable)
    for method in ("POST", "GET"):
        hit = await by_hash(client, QUERY, method=method)
        assert hit.status_code == 200 and hit.json() == sent.json()
    assert hit.headers["cache-control"] == "public, max-age=60"
    # and the legacy media type gets the miss as a 200 GraphQL answer
    legacy = await client.post("/graphql", json={"extensions": persisted("0" * 64)})
    assert legacy.status_code == 200 and codes(legacy.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


INVALID = [
    ("another version", {"query": QUERY, "extensions": persisted(document_hash(QUERY), 2)}),
    ("not a sha-256", {"query": QUERY, "extensions": persisted("abc")}),
    ("no hash", {"query": QUERY, "extensions": {"persistedQuery": {"version": 1}}}),
    ("a string", {"query": QUERY, "extensions": {"persistedQuery": "yes"}}),
    ("another query's hash", {"query": QUERY, "extensions": persisted(document_hash("{ a }"))}),
]


@pytest.mark.parametrize(("name", "body"), INVALID, ids=[i[0] for i in INVALID])
async def test_an_invalid_persisted_query_is_refused_and_keeps_nothing(
        client: httpx.AsyncClient, name: str, body: dict[str, Any]) -> None:
    refused = await client.post("/graphql", json=body, headers={"accept": APOLLO_ACCEPT})
    assert refused.status_code == 400 and codes(refused.json()) == ["PERSISTED_QUERY_INVALID"]
    assert refused.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_INVALID",
                                                         "field": "extensions"}
    # nothing was kept: neither under the query's hash nor under the one sent
    assert codes((await by_hash(client, QUERY)).json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    if name == "another query's hash":
        assert codes((await by_hash(client, "{ a }")).json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(("query", "code"), [
    ("{ nothingHere }", "GRAPHQL_VALIDATION_FAILED"), ("{", "GRAPHQL_PARSE_FAILED"),
    (DEEP, "QUERY_TOO_DEEP"), (COSTLY, "QUERY_TOO_COSTLY")])
async def test_documents_refused_by_validation_or_limits_are_not_kept(
        client: httpx.AsyncClient, query: str, code: str) -> None:
    sent = await client.post("/graphql", headers={"accept": APOLLO_ACCEPT}, json={
        "query": query, "extensions": persisted(document_hash(query))})
    assert sent.status_code == 400 and codes(sent.json())[:1] == [code]
    assert codes((await by_hash(client, query)).json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_the_store_is_bounded_by_count_and_bytes_least_recently_used_first() -> None:
    store = PersistedQueries(max_documents=3, max_bytes=100, max_document_bytes=60)
    documents = [f"{{ q{i} }}" for i in range(4)]
    for document in documents[:3]:
        store.keep(document)
    assert store.get(document_hash(documents[0])) == documents[0]  # now the most recent
    store.keep(documents[3])
    assert len(store) == 3 and store.get(document_hash(documents[1])) is None
    assert store.get(document_hash(documents[0])) == documents[0]
    big = "{ " + "x " * 40 + "}"  # 84 bytes: over a document's bound, not kept
    store.keep(big)
    assert store.get(document_hash(big)) is None and len(store) == 3
    fifty = "{ " + "y" * 46 + " }"
    store.keep(fifty)
    store.keep("{ " + "z" * 46 + " }")  # 100 bytes in two documents: the rest dropped
    assert store.size_bytes <= 100 and len(store) == 2
    assert store.get(document_hash(fifty)) == fifty
