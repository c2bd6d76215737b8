"""Only queries run on the autocommit (read-only) session; mutations keep their transaction."""

import pytest

from api.operations import reads_only

DOC = "query A { destinations { edges { cursor } } } mutation B { logout { ok } }"


@pytest.mark.parametrize(("query", "name", "expected"), [
    ("{ destinations { edges { cursor } } }", None, True),
    ("query Q { destinations { edges { cursor } } }", None, True),
    ("mutation { logout { ok } }", None, False),
    (DOC, "A", True),
    (DOC, "B", False),
    (DOC, None, False),          # ambiguous: never treated as read-only
    ("mutation {", None, True),  # does not parse: refused before any resolver runs
])
def test_reads_only(query: str, name: str | None, expected: bool) -> None:
    assert reads_only(query, name) is expected
