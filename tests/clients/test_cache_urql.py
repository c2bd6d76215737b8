"""urql 6 with its document cache (no normalization): two languages never mix, whether each
client sends its language in a header or the language is a variable, and refusals surface
with their `extensions.code`; on both databases."""

from __future__ import annotations

from typing import Any

from tests.clients.cache_node import graphql_url, run_node  # noqa: F401  (a fixture)
from tests.reference import demo_records


def _records() -> dict[str, dict[str, Any]]:
    return {r["slug"]: r for r in demo_records()}


def _in(nodes: list[dict[str, Any]], lang: str) -> bool:
    records = _records()
    return all(n["nameLang"] == lang and n["name"] == records[n["slug"]]["name"][lang]
               for n in nodes)


def test_a_client_per_language_keeps_its_language(graphql_url: str) -> None:  # noqa: F811
    # given a Korean phone's client (Accept-Language) and an English app (X-Tourism-Language)
    seen = run_node("cache_urql.mjs", graphql_url, "headers")
    records = _records()
    korean, english = seen["korean"]["nodes"], seen["english"]["nodes"]
    assert len(korean) == len(english) == len(records)
    # then the English app reads English whatever its phone's Accept-Language says
    assert _in(english, "en")
    # and the Korean one reads Korean where a name exists in Korean, each name in its language
    with_korean = {slug for slug, r in records.items() if r["name"].get("ko")}
    assert with_korean
    assert {n["slug"] for n in korean if n["nameLang"] == "ko"} == with_korean
    assert all(n["name"] == records[n["slug"]]["name"][n["nameLang"]] for n in korean)
    # when each asks again, each reads its own answer from its own cache
    assert seen["againRequests"] == 0
    assert seen["koreanAgain"] == {"nodes": korean, "outcome": "hit"}
    assert seen["englishAgain"] == {"nodes": english, "outcome": "hit"}


def test_one_client_keys_each_language_apart(graphql_url: str) -> None:  # noqa: F811
    seen = run_node("cache_urql.mjs", graphql_url, "variables")
    assert _in(seen["english"]["nodes"], "en")
    assert _in(seen["vietnamese"]["nodes"], "vi")
    assert seen["cachedRequests"] == 0
    assert seen["englishCached"]["outcome"] == "hit"
    assert seen["englishCached"]["nodes"] == seen["english"]["nodes"]


def test_refusals_surface_with_their_codes(graphql_url: str) -> None:  # noqa: F811
    seen = run_node("cache_urql.mjs", graphql_url, "errors")
    assert seen["badId"]["codes"] == ["INVALID_ID"]
    assert seen["badLanguage"]["codes"] == ["INVALID_LANGUAGE"]
    assert seen["badRootLanguage"]["codes"] == ["INVALID_LANGUAGE"]
    assert all(found["networkError"] is None for found in seen.values())
