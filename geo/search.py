"""Text search over destinations: Vietnamese folded, one typo tolerated, ranked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.paging import Key, Page, PageRequest, page_of
from geo.errors import GeoError, GeoErrorCode
from geo.folding import TYPO_MIN_LENGTH, deletions, within_one_edit, words
from geo.geometry import GeoPoint
from geo.models import Destination, SearchTerm
from geo.service import DestinationFilter, filter_clauses, get_destinations
from geo.spatial import distances_from

MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 12
#: How far ranking considers distance: a place this far away gets half the nearness bonus.
NEAR_HALF_M = 10_000.0
_EXACT, _PREFIX, _TYPO = 1.0, 0.75, 0.6
_PREFIX_MIN = 2


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A destination found by text, with its score."""

    destination: Destination
    score: float


def query_words(text: str) -> list[str]:
    """The folded words of a search text, refused when empty or too long."""
    if not isinstance(text, str) or not text.strip():
        raise GeoError(GeoErrorCode.INVALID_SEARCH_TEXT, "search text is empty", field="text")
    if len(text) > MAX_SEARCH_CHARS:
        raise GeoError(GeoErrorCode.INVALID_SEARCH_TEXT,
                       f"search text is longer than {MAX_SEARCH_CHARS} characters", field="text")
    found = words(text)
    if not found:
        raise GeoError(GeoErrorCode.INVALID_SEARCH_TEXT, "search text has no words",
                       field="text")
    if len(found) > MAX_SEARCH_WORDS:
        raise GeoError(GeoErrorCode.INVALID_SEARCH_TEXT,
                       f"search text has more than {MAX_SEARCH_WORDS} words", field="text")
    return found


def _quality(query: str, term: str, *, is_last: bool) -> float:
    if term == query:
        return _EXACT
    if is_last and len(query) >= _PREFIX_MIN and term.startswith(query):
        return _PREFIX
    if len(query) >= TYPO_MIN_LENGTH and len(term) >= TYPO_MIN_LENGTH - 1 \
            and within_one_edit(query, term):
        return _TYPO
    return 0.0


async def _scores(
    session: AsyncSession, tokens: list[str], flt: DestinationFilter | None
) -> dict[int, float]:
    keys = set(tokens)
    for token in tokens:
        keys |= deletions(token)
    last = tokens[-1]
    match: ColumnElement[bool] = SearchTerm.key.in_(keys)
    if len(last) >= _PREFIX_MIN:
        match = or_(match, and_(SearchTerm.is_variant.is_(False), SearchTerm.key >= last,
                                SearchTerm.key < last + "\uffff"))
    stmt = (select(SearchTerm.destination_id, SearchTerm.term, SearchTerm.weight,
                   SearchTerm.field_tokens)
            .join(Destination, Destination.id == SearchTerm.destination_id)
            .where(match, *filter_clauses(flt)))
    best: dict[int, list[float]] = defaultdict(lambda: [0.0] * len(tokens))
    name_size: dict[int, int] = {}
    for destination_id, term, weight, field_tokens in (await session.execute(stmt)).all():
        slots = best[destination_id]
        for i, token in enumerate(tokens):
            quality = _quality(token, term, is_last=i == len(tokens) - 1) * weight
            if quality > slots[i]:
                slots[i] = quality
                if weight >= 1.0:
                    name_size[destination_id] = min(name_size.get(destination_id, 99),
                                                    field_tokens)
    scores: dict[int, float] = {}
    for destination_id, slots in best.items():
        if all(s > 0 for s in slots):
            coverage = min(1.0, len(tokens) / name_size.get(destination_id, 99))
            scores[destination_id] = sum(slots) / len(tokens) + 0.25 * coverage
    return scores


async def search_destinations(
    *, session: AsyncSession, text: str, near: GeoPoint | None,
    flt: DestinationFilter | None, page: PageRequest,
) -> Page[SearchHit]:
    """Destinations whose names or places match every word of text, best first."""
    tokens = query_words(text)
    scores = await _scores(session, tokens, flt)
    if near is not None and scores:
        for destination_id, metres in (await distances_from(
                session=session, near=near, ids=list(scores))).items():
            scores[destination_id] += 0.3 * NEAR_HALF_M / (NEAR_HALF_M + metres)
    ranked = sorted(scores.items(), key=lambda item: (-round(item[1], 9), item[0]))
    offset = int(page.after[0]) + 1 if page.after else 0
    window = ranked[offset: offset + page.first + 1]
    found = await get_destinations(session=session, ids=[i for i, _ in window],
                                   include_drafts=bool(flt and flt.include_drafts))
    rows: list[tuple[SearchHit, Key]] = [(SearchHit(d, score), (offset + n,))
            for n, ((_, score), d) in enumerate(zip(window, found, strict=True)) if d is not None]
    return page_of(rows, page.first)
