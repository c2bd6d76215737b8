"""searchDestinations: folded Vietnamese, one typo, ranking, bias by `near`."""

import httpx
import pytest

from tests.conftest import graphql
from tests.reference import demo_records

SEARCH = """
query Search($text: String!, $near: GeoPointInput, $first: Int, $after: String) {
  searchDestinations(text: $text, near: $near, first: $first, after: $after, lang: "vi") {
    edges { cursor node { name slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def names(client: httpx.AsyncClient, text: str, **extra: object) -> list[str]:
    body = await graphql(client, SEARCH, {"text": text, "first": 10, **extra})
    assert "errors" not in body, body
    return [e["node"]["name"] for e in body["data"]["searchDestinations"]["edges"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("chua ba thien hau", "Chùa Bà Thiên Hậu"),
    ("den do", "Đền Đô"),
    ("kim lien", "Khu di tích Kim Liên"),
    ("CHÙA BÀ THIÊN HẬU", "Chùa Bà Thiên Hậu"),
    ("chua ba thein hau", "Chùa Bà Thiên Hậu"),   # swapped letters
    ("kim lienn", "Khu di tích Kim Liên"),        # one extra letter
    ("chua ba thiem hau", "Chùa Bà Thiên Hậu"),   # one wrong letter
    ("kim li", "Khu di tích Kim Liên"),           # still typing
])
async def test_folded_and_typo_tolerant_search_ranks_the_place_first(
    client: httpx.AsyncClient, query: str, expected: str
) -> None:
    found = await names(client, query)
    assert found and found[0] == expected, found


async def test_two_typos_in_one_word_do_not_match(client: httpx.AsyncClient) -> None:
    assert "Chùa Bà Thiên Hậu" not in await names(client, "chua ba thanh hau")


async def test_every_word_must_match(client: httpx.AsyncClient) -> None:
    found = await names(client, "chua xyzzyq")
    assert found == []


async def test_near_biases_the_ranking(client: httpx.AsyncClient) -> None:
    pagodas = [r for r in demo_records() if r["name"]["vi"].startswith("Chùa")]
    provinces = {r["province"] for r in pagodas}
    assert {"binh-duong", "bac-ninh"} <= provinces
    in_bac_ninh = await names(client, "chua", near={"lat": 21.18, "lng": 106.07})
    in_binh_duong = await names(client, "chua", near={"lat": 10.98, "lng": 106.65})
    vi_province = {r["name"]["vi"]: r["province"] for r in demo_records()}
    assert vi_province[in_bac_ninh[0]] == "bac-ninh"
    assert vi_province[in_binh_duong[0]] == "binh-duong"


async def test_search_pages_do_not_repeat(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    after = None
    for _ in range(20):
        body = await graphql(client, SEARCH, {"text": "chua", "first": 2, "after": after})
        page = body["data"]["searchDestinations"]
        seen += [e["node"]["slug"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) >= 3
