"""Which translation of a destination's text is current: per text and language, when it last
changed and who wrote it (the original, a person, a machine). A translation older than its
source (the original, else Vietnamese) is stale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Translation(StrEnum):
    """Who wrote a text in a language."""

    ORIGINAL = "original"
    HUMAN = "human"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class TextState:
    """One language of one text, as the console shows it."""

    lang: str
    translation: Translation
    updated: str | None
    stale: bool


def source_language(meta: Mapping[str, Any], field: str, texts: Mapping[str, str]) -> str:
    """The language a text is translated from: the one marked original, else vi, else any."""
    marks = meta.get(field) or {}
    for lang, mark in marks.items():
        if mark.get("translation") == Translation.ORIGINAL and texts.get(lang):
            return str(lang)
    return "vi" if texts.get("vi") or not texts else sorted(texts)[0]


def text_states(meta: Mapping[str, Any], field: str, texts: Mapping[str, str]
                ) -> dict[str, TextState]:
    """The state of every language a text is written in."""
    marks = meta.get(field) or {}
    source = source_language(meta, field, texts)
    source_updated = (marks.get(source) or {}).get("updated")
    states = {}
    for lang in texts:
        mark = marks.get(lang) or {}
        updated = mark.get("updated")
        translation = Translation(mark.get("translation") or (
            Translation.ORIGINAL if lang == source else Translation.HUMAN))
        stale = (lang != source and source_updated is not None
                 and (updated is None or updated < source_updated))
        states[lang] = TextState(lang, translation, updated, stale)
    return states


def touched(meta: Mapping[str, Any], field: str, before: Mapping[str, str],
            after: Mapping[str, str], now: datetime,
            translations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The meta after a text changed from `before` to `after`: changed languages are stamped
    `now`, removed ones forgotten, and the translation marks given are kept."""
    result = {name: dict(marks) for name, marks in meta.items()}
    marks = {lang: dict(mark) for lang, mark in (result.get(field) or {}).items()
             if after.get(lang)}
    for lang, text in after.items():
        mark = marks.setdefault(lang, {})
        if before.get(lang) != text:  # unchanged texts keep their stamp (or none: unknown)
            mark["updated"] = now.isoformat()
        wanted = (translations or {}).get(lang)
        if wanted in {t.value for t in Translation}:
            mark["translation"] = wanted
    result[field] = marks
    return result
