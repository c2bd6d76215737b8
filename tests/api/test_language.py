"""The visitor's language: `lang`, Accept-Language, and the chain requested → en → vi (a
visitor who asked for nothing or only Vietnamese: vi → en)."""

import httpx
import pytest

from core.language import LanguageError, language_chain, normalize_tag, parse_accept_language, pick
from tests.conftest import graphql


def test_accept_language_is_ordered_by_quality() -> None:
    assert parse_accept_language("fr;q=0.5, ko, en-US;q=0.8, *;q=0.1") == ["ko", "en-US", "fr"]


def test_chain_ends_with_english_then_vietnamese_for_a_foreign_visitor() -> None:
    assert language_chain("zh-Hant-TW", None) == ("zh-Hant-TW", "zh", "en", "vi")
    assert language_chain(None, "en-GB,en;q=0.9") == ("en-GB", "en", "vi")
    assert language_chain(None, "vi-VN") == ("vi-VN", "vi", "en")
    assert language_chain(None, None) == ("vi", "en")


def test_malformed_tag_is_refused() -> None:
    with pytest.raises(LanguageError):
        normalize_tag("en_US!")


def test_pick_falls_back_and_says_which_language() -> None:
    texts = {"vi": "Chùa", "en": "Pagoda"}
    found = pick(texts, ("ko", "vi", "en"))
    assert found is not None and (found.text, found.lang) == ("Chùa", "vi")
    found = pick({"en": "Pagoda"}, ("ko", "vi", "en"))
    assert found is not None and found.lang == "en"
    found = pick({"zh-Hant": "天后宮", "vi": "Chùa"}, ("zh", "vi"))
    assert found is not None and found.lang == "zh-Hant"


QUERY = """
query Search($text: String!, $lang: String) {
  searchDestinations(text: $text, first: 1, lang: $lang) {
    edges { node { name nameLang description { text lang } address { lang } } }
  }
}
"""


async def test_lang_argument_wins_over_header(client: httpx.AsyncClient) -> None:
    body = await graphql(client, QUERY, {"text": "Chùa Bà Thiên Hậu", "lang": "en"},
                         headers={"Accept-Language": "vi"})
    node = body["data"]["searchDestinations"]["edges"][0]["node"]
    assert node["nameLang"] == "en" and node["description"]["lang"] == "en"
    assert node["name"] != "Chùa Bà Thiên Hậu"


async def test_header_is_used_and_missing_language_falls_back_to_english(
    client: httpx.AsyncClient,
) -> None:
    body = await graphql(client, QUERY, {"text": "Đền Đô"},
                         headers={"Accept-Language": "de-DE,de;q=0.9"})
    node = body["data"]["searchDestinations"]["edges"][0]["node"]
    assert (node["name"], node["nameLang"]) == ("Do Temple (Temple of the Eight Ly Kings)", "en")
    assert node["description"]["lang"] == "en"
    body = await graphql(client, QUERY, {"text": "Đền Đô"}, headers={"Accept-Language": "vi"})
    node = body["data"]["searchDestinations"]["edges"][0]["node"]
    assert (node["name"], node["nameLang"]) == ("Đền Đô", "vi")


async def test_malformed_lang_argument_gets_a_code(client: httpx.AsyncClient) -> None:
    body = await graphql(client, QUERY, {"text": "Đền Đô", "lang": "not a tag!"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_LANGUAGE"
