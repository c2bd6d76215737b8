"""The visitor's language: from `lang` or Accept-Language, with the chain requested → vi → en."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import DomainError

FALLBACK = ("vi", "en")
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_HEADER_TAGS = 20


class LanguageError(DomainError):
    """A language tag that is not BCP 47."""


@dataclass(frozen=True, slots=True)
class Localized:
    """A text and the language it is really in."""

    text: str
    lang: str


def normalize_tag(tag: str) -> str:
    """A BCP 47 tag in canonical case ("zh-hant-tw" → "zh-Hant-TW"); refused when malformed."""
    tag = tag.strip().replace("_", "-")
    if not _TAG.match(tag) or len(tag) > 35:
        raise LanguageError(f"{tag!r} is not a BCP 47 language tag", code="INVALID_LANGUAGE",
                            field="lang")
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def parse_accept_language(header: str | None) -> list[str]:
    """Tags of an Accept-Language header, best first; malformed entries are skipped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:MAX_HEADER_TAGS]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag == "*" or quality <= 0:
            continue
        try:
            weighted.append((-quality, index, normalize_tag(tag)))
        except LanguageError:
            continue
    return [tag for _, _, tag in sorted(weighted)]


def language_chain(lang: str | None, accept_language: str | None) -> tuple[str, ...]:
    """The languages to try in order: the explicit `lang` or the header's, then vi, then en."""
    requested = [normalize_tag(lang)] if lang else parse_accept_language(accept_language)
    chain: list[str] = []
    for tag in [*requested, *FALLBACK]:
        for candidate in (tag, tag.split("-")[0]):
            if candidate not in chain:
                chain.append(candidate)
    return tuple(chain)


def pick(texts: dict[str, str] | None, chain: tuple[str, ...]) -> Localized | None:
    """The first text along the chain; else any text there is; None when there is none."""
    if not texts:
        return None
    by_primary: dict[str, str] = {}
    for key in texts:
        by_primary.setdefault(key.split("-")[0].lower(), key)
    for tag in chain:
        if texts.get(tag):
            return Localized(texts[tag], tag)
        primary_key = by_primary.get(tag)
        if primary_key is not None and "-" not in tag and texts.get(primary_key):
            return Localized(texts[primary_key], primary_key)
    for key in sorted(texts):
        if texts[key]:
            return Localized(texts[key], key)
    return None
