"""What a destination is found by: the folded words of its names and places."""

from __future__ import annotations

from geo.folding import index_keys, words
from geo.models import Destination, Province, SearchTerm

NAME_WEIGHT = 1.0
PLACE_WEIGHT = 0.5


def weighted_words(destination: Destination, province: Province) -> dict[str, tuple[float, int]]:
    """Each folded word with its best weight and the word count of the field it came from."""
    found: dict[str, tuple[float, int]] = {}

    def add(text: str | None, weight: float) -> None:
        tokens = words(text or "")
        for token in tokens:
            old = found.get(token)
            if old is None or (weight, -len(tokens)) > (old[0], -old[1]):
                found[token] = (weight, len(tokens))

    for name in destination.name.values():
        add(name, NAME_WEIGHT)
    for place in (destination.district, *province.name.values(), *destination.address.values()):
        add(place, PLACE_WEIGHT)
    return found


def search_terms_for(destination: Destination, province: Province) -> list[SearchTerm]:
    """The search-term rows of a destination: each word and its one-deletion variants."""
    rows: dict[tuple[str, str], SearchTerm] = {}
    for term, (weight, field_tokens) in weighted_words(destination, province).items():
        for key, is_variant in index_keys(term):
            if (key, term) not in rows:
                rows[(key, term)] = SearchTerm(
                    key=key, destination_id=destination.id, term=term, is_variant=is_variant,
                    weight=weight, field_tokens=field_tokens,
                )
    return list(rows.values())
