"""Keyset pages: what a list query takes (first, after) and gives back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.errors import CoreErrorCode, DomainError

T = TypeVar("T")
#: A keyset position: the sort values of the last item seen (numbers only).
Key = tuple[float, ...]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """At most `first` items after the keyset position `after` (None: from the start)."""

    first: int = DEFAULT_PAGE_SIZE
    after: Key | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items in order, each with its keyset position, and whether more follow."""

    items: list[T]
    keys: list[Key]
    has_next: bool


def check_first(first: int | None) -> int:
    """The page size: the default when absent, refused outside 0..MAX_PAGE_SIZE."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise DomainError(CoreErrorCode.PAGE_SIZE_EXCEEDED,
                          f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")
    return first


def page_of(rows: Sequence[tuple[T, Key]], first: int) -> Page[T]:
    """A page from up to first+1 (item, key) rows: the extra one only says more follow."""
    kept = rows[:first]
    return Page(items=[r[0] for r in kept], keys=[r[1] for r in kept], has_next=len(rows) > first)
