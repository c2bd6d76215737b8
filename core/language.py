"""The visitor's language, in one place: BCP 47 tags (parse), the chain of languages a request
asks for (negotiate: `lang`, X-Tourism-Language or the whole Accept-Language list, then English
for a visitor who asked for another language than Vietnamese, then Vietnamese) and the text or
narration that serves that chain best (pick). GraphQL, the QR pages, the viewer page and the
offline packs all negotiate here."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.errors import CoreErrorCode, DomainError

#: The languages every chain ends with, in order: for a visitor who asked for nothing or only
#: Vietnamese, and for any other visitor (a Korean reads English sooner than Vietnamese).
#: The languages the service writes its interface and content in.
SERVICE_LANGUAGES = ("vi", "en", "ko", "zh", "ja", "fr")
HOME_FALLBACK = ("vi", "en")
FOREIGN_FALLBACK = ("en", "vi")
#: The header an app sends its chosen language in (wins over Accept-Language, as `lang` does).
APP_LANGUAGE_HEADER = "x-tourism-language"
MAX_TAG_LENGTH = 35
MAX_HEADER_TAGS = 20
#: RFC 5646 `langtag` (well-formed, case-insensitive), plus private use; primary 2-3 letters.
_TAG = re.compile(
    r"(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|[0-9]{3}))?"
    r"(?P<rest>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-z0-9]{1,8})+)?)",
    re.IGNORECASE)


class LanguageError(DomainError):
    """A language tag that is not BCP 47: INVALID_LANGUAGE."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(CoreErrorCode.INVALID_LANGUAGE, message, field=field)


@dataclass(frozen=True, slots=True)
class Localized:
    """A text and the language it is really in."""

    text: str
    lang: str


def normalize_tag(tag: str, *, field: str = "lang") -> str:
    """A BCP 47 tag in canonical case ("zh-hant-tw" → "zh-Hant-TW"); LanguageError
    (INVALID_LANGUAGE, on `field`) when malformed."""
    cleaned = tag.strip().replace("_", "-")
    found = _TAG.fullmatch(cleaned) if len(cleaned) <= MAX_TAG_LENGTH else None
    if found is None:
        raise LanguageError(f"{tag!r} is not a BCP 47 language tag", field=field)
    parts = [found["language"].lower()]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    return "-".join(parts) + found["rest"].lower()


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


def language_chain(lang: str | None, accept_language: str | None, *,
                   strict: bool = True) -> tuple[str, ...]:
    """The languages to try in order: the explicit `lang` or the header's whole list by
    q-value, then en (when any of them is not Vietnamese), then vi. A malformed `lang` raises
    LanguageError, or (not strict: pages) leaves it to the header."""
    requested: list[str] = []
    if lang:
        try:
            requested = [normalize_tag(lang)]
        except LanguageError:
            if strict:
                raise
    if not requested:
        requested = parse_accept_language(accept_language)
    foreign = any(tag.split("-")[0] != "vi" for tag in requested)
    chain: list[str] = []
    for tag in [*requested, *(FOREIGN_FALLBACK if foreign else HOME_FALLBACK)]:
        for candidate in (tag, tag.split("-")[0]):
            if candidate not in chain:
                chain.append(candidate)
    return tuple(chain)


def request_chain(*, lang: str | None, headers: Mapping[str, str],
                  strict: bool = False) -> tuple[str, ...]:
    """The chain of one request: `lang` (a query parameter or a field's argument; refused when
    malformed and strict), else a well-formed X-Tourism-Language header, else Accept-Language
    (`headers` is any mapping with lower-case keys, Starlette's Headers included)."""
    if lang:
        try:
            return language_chain(lang, None)
        except LanguageError:
            if strict:
                raise
    app_language = headers.get(APP_LANGUAGE_HEADER)
    return language_chain(app_language, headers.get("accept-language"), strict=False)


def primary(tag: str) -> str:
    """The primary language subtag of a canonical tag ("zh-Hant-TW" → "zh")."""
    return tag.split("-")[0]


def page_language(content: Iterable[str], chain: Sequence[str], interface: Collection[str]
                  ) -> str:
    """The one language a page is in: the language its main content serves the chain in
    (`content`: the languages the content exists in) when the interface speaks it (by
    primary subtag), else the first language of the chain the interface speaks (else "en")."""
    found = best_match(content, chain)
    if found is not None and primary(found) in interface:
        return found
    return next((tag for tag in chain if primary(tag) in interface), "en")


def page_chain(lang: str, chain: Sequence[str]) -> tuple[str, ...]:
    """The chain a page picks each of its texts along: its own language first, then the
    visitor's chain (so that a page stays in one language wherever its texts allow)."""
    ordered: list[str] = []
    for tag in (lang, primary(lang), *chain):
        if tag not in ordered:
            ordered.append(tag)
    return tuple(ordered)


def best_match(available: Iterable[str], chain: Sequence[str]) -> str | None:
    """The available tag that serves the chain first: a chain tag found as it is, or for a
    bare language of the chain ("zh") any tag of that language ("zh-Hant"); None when no
    language of the chain is available."""
    tags = list(available)
    by_primary: dict[str, str] = {}
    for tag in tags:
        by_primary.setdefault(tag.split("-")[0].lower(), tag)
    for wanted in chain:
        if wanted in tags:
            return wanted
        if "-" not in wanted and wanted in by_primary:
            return by_primary[wanted]
    return None


def pick(texts: Mapping[str, str] | None, chain: Sequence[str]) -> Localized | None:
    """The first text along the chain; else any text there is; None when there is none."""
    if not texts:
        return None
    if chain and texts.get(chain[0]):  # the first choice, as it is: what best_match gives
        return Localized(texts[chain[0]], chain[0])
    found = best_match((lang for lang, text in texts.items() if text), chain)
    if found is not None:
        return Localized(texts[found], found)
    for lang in sorted(texts):
        if texts[lang]:
            return Localized(texts[lang], lang)
    return None


def pick_text(texts: Mapping[str, str] | None, chain: Sequence[str]) -> str:
    """The text `pick` finds, or "" when there is none."""
    found = pick(texts, chain)
    return found.text if found is not None else ""
