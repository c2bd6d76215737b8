"""core.language on its own: one BCP 47 grammar, negotiation, and one matching rule for texts
and narrations alike."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.errors import DomainError
from core.language import LanguageError, best_match, language_chain, normalize_tag, pick_text
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
