"""The visitor pages' message catalogues: every message of the templates and code (extracted
with the mapping in pyproject.toml, as `pybabel extract` does) translated in all six languages,
none fuzzy, and each committed `.mo` compiled from its `.po`."""

from __future__ import annotations

import gettext
import io
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.pages import INTERFACE_LANGUAGES, LOCALE_DIR, render

ROOT = Path(__file__).resolve().parents[2]


def extracted_messages() -> set[str]:
    """The msgids of the app's templates and code, by the mapping of pyproject's tool.babel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["babel"]
    method_map = [(m["pattern"], m["method"]) for m in config["mappings"]]
    options_map = {m["pattern"]: {k: v for k, v in m.items() if k not in ("pattern", "method")}
                   for m in config["mappings"]}
    return {message for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map) if isinstance(message, str)}


def messages_of(mo: bytes) -> dict[object, str]:
    """A compiled catalogue's translations, without its header (which names Babel's version)."""
    catalog: dict[object, str] = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in catalog.items() if k != ""}


def catalogue(lang: str) -> Catalog:
    """The `.po` catalogue of an interface language."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


def incomplete(wanted: set[str], found: Catalog) -> list[str]:
    """What a catalogue lacks: msgids missing, untranslated or fuzzy (the header included)."""
    problems = [f"missing: {m}" for m in sorted(wanted) if m not in found]
    problems += [f"untranslated: {m.id}" for m in found if m.id in wanted and not m.string]
    problems += [f"fuzzy: {m.id}" for m in found if m.id in wanted and m.fuzzy]
    return problems + (["fuzzy header"] if found.fuzzy else [])


def test_the_pages_have_messages_to_translate() -> None:
    wanted = extracted_messages()
    assert {"Transcript", "Shown in English", "Take the 360° tour", "Scenes",
            "Please try again in a few seconds."} <= wanted and len(wanted) >= 25


@pytest.mark.parametrize("lang", INTERFACE_LANGUAGES)
def test_every_catalogue_is_complete_and_compiled(lang: str) -> None:
    found = catalogue(lang)
    assert incomplete(extracted_messages(), found) == []
    compiled = io.BytesIO()
    write_mo(compiled, found)
    committed = (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert messages_of(committed) == messages_of(compiled.getvalue()), (
        "stale .mo: run `make catalogues`")


def test_a_missing_or_fuzzy_message_is_found() -> None:
    wanted = extracted_messages()
    found = catalogue("ko")
    found.delete("Transcript")
    found["Code"].flags.add("fuzzy")
    assert incomplete(wanted, found) == ["missing: Transcript", "fuzzy: Code"]


def test_translations_are_not_the_english_words() -> None:
    english = {m.id: m.string for m in catalogue("en") if m.id}
    for lang in set(INTERFACE_LANGUAGES) - {"en"}:
        same = [m.id for m in catalogue(lang) if m.id and m.string == english[m.id]
                and m.id != "Code"]  # "Code" is French as well
        assert same == [], (lang, same)


@pytest.mark.parametrize(("lang", "words"), [
    ("ko", "이 QR 코드는 존재하지 않거나"), ("ja", "このQRコードは存在しないか"),
    ("zh", "此二维码不存在或已停用"), ("fr", "Ce code QR n’existe pas"),
    ("vi", "Mã QR này không tồn tại"), ("en", "This QR code does not exist")])
def test_a_page_speaks_its_catalogue(lang: str, words: str) -> None:
    page = render("qr/problem.html", lang=lang, problem="missing")
    assert f'<html lang="{lang}">' in page and words in page
