"""Statements made once per shape: a statement whose values are all bound by name is the same
object for every request of its shape, so SQLAlchemy neither rebuilds it nor recomputes its
cache key (the nearest-first searches, the areas, the rate limiter's takes)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: Statements kept (least recently used first out).
KEPT = 128
_KEPT_STATEMENTS: OrderedDict[Hashable, Any] = OrderedDict()


def kept(key: Hashable, build: Callable[[], T]) -> T:
    """build(), made once per key. The key must hold whatever changes the SQL (columns are
    compared by identity: the same column objects, the same key)."""
    found = _KEPT_STATEMENTS.get(key)
    if found is None:
        found = _KEPT_STATEMENTS[key] = build()
        while len(_KEPT_STATEMENTS) > KEPT:
            _KEPT_STATEMENTS.popitem(last=False)
    else:
        _KEPT_STATEMENTS.move_to_end(key)
    return found
