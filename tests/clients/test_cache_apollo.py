"""Apollo Client 4 with one InMemoryCache and relayStylePagination: each language stays
apart in the cache, fetchMore pages merge without duplicates, and map clusters of another
filter never overwrite each other's counts; on both databases."""

from __future__ import annotations

from typing import Any

from tests.clients.cache_node import graphql_url, run_node  # noqa: F401  (a fixture)
from tests.reference import demo_records

VIETNAM = {"west": 102.0, "south": 8.0, "east": 110.0, "north": 23.5}


def names(lang: str) -> dict[str, str]:
    return {r["slug"]: r["name"][lang] for r in demo_records()}


def test_a_language_read_from_the_cache_stays_itself(graphql_url: str) -> None:  # noqa: F811
    # given an English page, then the same page in Vietnamese, through one cache
    seen = run_node("cache_apollo.mjs", graphql_url, "languages")
    english, vietnamese = names("en"), names("vi")
    assert [n["slug"] for n in seen["english"]] == [n["slug"] for n in seen["vietnamese"]]
    assert all(n["name"] == vietnamese[n["slug"]] for n in seen["vietnamese"])
    # when the English page is read from the cache alone
    cached = seen["cached"]
    # then it is still English, names and nested texts alike, with no request made
    assert seen["cachedRequests"] == 0
    assert [n["slug"] for n in cached] == [n["slug"] for n in seen["english"]]
    assert all(n["name"] == english[n["slug"]] and n["nameLang"] == "en" for n in cached)
    assert cached == seen["english"]
    assert any(n["name"] != vietnamese[n["slug"]] for n in cached)


def test_fetch_more_pages_merge_in_order_without_duplicates(
        graphql_url: str) -> None:  # noqa: F811
    seen = run_node("cache_apollo.mjs", graphql_url, "languages")
    whole = [n["slug"] for n in seen["whole"]]
    merged = [n["slug"] for n in seen["merged"]]
    assert len(whole) == 15
    assert merged == whole
    # the last page fetched again replaces itself rather than repeating
    assert [n["slug"] for n in seen["refetched"]] == whole
    assert len({n["id"] for n in seen["refetched"]}) == 15
    assert seen["pageInfo"]["hasNextPage"] is True
    assert seen["pageInfo"]["endCursor"] == seen["refetched"][-1]["cursor"]
    english = names("en")
    assert all(n["name"] == english[n["slug"]] for n in seen["refetched"])


def _inside(box: dict[str, float], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records
            if box["west"] <= r["location"]["lng"] <= box["east"]
            and box["south"] <= r["location"]["lat"] <= box["north"]]


def _check_counts(clusters: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """Each cluster counts the records in its own box (the box of its members, inside one
    grid cell), and the counts add up to the records of the query's box."""
    shown = _inside(VIETNAM, records)
    assert sum(c["count"] for c in clusters) == len(shown)
    for cluster in clusters:
        assert cluster["count"] == len(_inside(cluster["bbox"], shown)), cluster


def test_clusters_of_a_filter_never_overwrite_the_unfiltered_counts(
        graphql_url: str) -> None:  # noqa: F811
    # given the map's clusters at zoom 6 without a filter and with one (relic sites only)
    every = demo_records()
    relics = [r for r in every if r["category"] == "relic_site"]
    args = {"bbox": VIETNAM, "zoom": 6, "filter": {"categories": ["RELIC_SITE"]}}
    seen = run_node("cache_apollo.mjs", graphql_url, "clusters", args)
    _check_counts(seen["network"]["unfiltered"], every)
    _check_counts(seen["network"]["filtered"], relics)
    # the largest cell of the demo data holds many destinations, few of them relic sites
    largest = max(seen["network"]["unfiltered"], key=lambda c: c["count"])
    assert largest["count"] > len(_inside(largest["bbox"], relics)) >= 1
    # when both are read back from the cache, in either order of the queries
    assert seen["cachedRequests"] == 0
    for cached in (seen["cached"], seen["otherCached"]):
        # then each reads its own counts
        _check_counts(cached["unfiltered"], every)
        _check_counts(cached["filtered"], relics)
        assert max(c["count"] for c in cached["unfiltered"]) == largest["count"]
    # and the ids are stable across requests
    assert seen["againIds"] == [c["id"] for c in seen["network"]["filtered"]]
