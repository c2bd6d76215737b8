"""core.language on its own: one BCP 47 grammar, negotiation, and one matching rule for texts
and narrations alike."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.errors import DomainError
from core.language import (
    LanguageError,
    best_match,
    language_chain,
    normalize_tag,
    page_chain,
    page_language,
    pick_text,
    request_chain,
)
from geo.listings.checks import check_texts
from tours.stops import check_lang, pick_narration


@pytest.mark.parametrize(("given", "canonical"), [
    ("vi", "vi"), ("EN", "en"), ("en_us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"),
    ("sr-latn-rs", "sr-Latn-RS"), ("es-419", "es-419"), ("de-DE-1996", "de-DE-1996"),
    ("zh-yue-HK", "zh-yue-HK"), ("en-x-Kiosk", "en-x-kiosk"), (" fr ", "fr"),
])
def test_tags_are_put_in_canonical_case(given: str, canonical: str) -> None:
    assert normalize_tag(given) == canonical


@pytest.mark.parametrize("given", ["", "e", "english-language", "en-", "en--US", "not a tag!",
                                   "en_US!", "vi-VN-" + "a" * 40, "12", "x-private"])
def test_malformed_tags_are_refused_with_a_stable_code(given: str) -> None:
    with pytest.raises(LanguageError) as info:
        normalize_tag(given, field="title")
    assert (info.value.code, info.value.field) == ("INVALID_LANGUAGE", "title")


def test_pages_ignore_a_malformed_lang_and_listen_to_the_header() -> None:
    with pytest.raises(LanguageError):
        language_chain("not a tag!", "fr")
    assert language_chain("not a tag!", "fr", strict=False) == ("fr", "en", "vi")


def test_every_area_uses_the_same_grammar_and_keeps_its_own_error() -> None:
    assert check_lang("zh-hant") == "zh-Hant"
    assert check_texts({"EN": "Pagoda", "zh-hant-tw": "寺"}, "description") == {
        "en": "Pagoda", "zh-Hant-TW": "寺"}
    for check, code, field in [(lambda: check_lang("en-", fld="title"), "INVALID_LANGUAGE",
                                "title"),
                               (lambda: check_texts({"en-": "x"}, "prices"),
                                "INVALID_LISTING_CHANGE", "prices")]:
        with pytest.raises(DomainError) as info:
            check()
        assert (info.value.code, info.value.field) == (code, field)
        assert not isinstance(info.value, LanguageError)


def test_texts_and_narrations_are_matched_the_same_way() -> None:
    chain = language_chain(None, "zh-TW,en;q=0.5")
    assert best_match(["vi", "zh-Hant"], chain) == "zh-Hant"
    assert pick_text({"vi": "Chùa", "zh-Hant": "寺"}, chain) == "寺"
    narrations: list[Any] = [SimpleNamespace(lang=lang) for lang in ("vi", "zh-Hant")]
    picked = pick_narration(narrations, chain)
    assert picked is not None and picked.lang == "zh-Hant"
    assert best_match(["ko"], ("vi", "en")) is None
    assert pick_narration([], chain) is None
    assert pick_text({"ko": "절"}, ("vi", "en")) == "절"  # a text is better than none
    assert pick_text({}, ("vi",)) == "" and pick_text(None, ("vi",)) == ""


def test_a_foreign_visitor_reads_english_before_vietnamese() -> None:
    assert language_chain(None, "ko-KR,ko;q=0.9,ja;q=0.8") == ("ko-KR", "ko", "ja", "en", "vi")
    assert language_chain(None, "vi-VN,vi;q=0.9") == ("vi-VN", "vi", "en")
    assert language_chain(None, "vi, fr;q=0.5") == ("vi", "fr", "en")
    assert language_chain(None, None) == ("vi", "en") == language_chain(None, "*, xx-!!")


def test_one_request_is_negotiated_the_same_way_everywhere() -> None:
    headers = {"x-tourism-language": "ja", "accept-language": "ko-KR"}
    assert request_chain(lang=None, headers=headers) == ("ja", "en", "vi")
    assert request_chain(lang="fr", headers=headers) == ("fr", "en", "vi")  # lang wins
    assert request_chain(lang="not a tag!", headers=headers)[0] == "ja"  # pages: ignored
    with pytest.raises(LanguageError):
        request_chain(lang="not a tag!", headers=headers, strict=True)  # GraphQL: refused
    assert request_chain(lang=None, headers={"x-tourism-language": "bad tag!",
                                             "accept-language": "ko"})[0] == "ko"


def test_a_page_is_in_the_language_of_its_main_content() -> None:
    interface = ("vi", "en", "ko", "zh", "ja", "fr")
    korean = language_chain(None, "ko-KR")
    assert page_language({"vi", "en", "ko"}, korean, interface) == "ko"
    assert page_language({"vi", "en"}, korean, interface) == "en"
    assert page_language({"de"}, language_chain(None, "de, fr;q=0.4"), interface) == "fr"
    assert page_language(set(), language_chain(None, "de"), interface) == "en"
    assert page_chain("en", korean) == ("en", "ko-KR", "ko", "vi")
