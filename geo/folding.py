"""Vietnamese-aware text folding and the one-typo term variants that search matches on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)
#: Words shorter than this match exactly only: one typo in "do" or "den" is another word.
TYPO_MIN_LENGTH = 4
MAX_TERM_LENGTH = 80


def fold(text: str) -> str:
    """Lower-case text without diacritics, with đ/Đ as d: "Đền Đô" gives "den do"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [w[:MAX_TERM_LENGTH] for w in _WORD.findall(fold(text))]


def deletions(term: str) -> set[str]:
    """Every string made by deleting one character of a term long enough for typos."""
    if len(term) < TYPO_MIN_LENGTH:
        return set()
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def within_one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    shorter, longer = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]


def index_keys(term: str) -> Iterable[tuple[str, bool]]:
    """The keys a term is stored under: itself, then its one-deletion variants."""
    yield term, False
    for variant in sorted(deletions(term)):
        yield variant, True
