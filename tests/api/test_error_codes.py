"""One error style: every code is a member of its area's enum, the schema exports every enum,
the README's tables list exactly those codes, and no raise site spells a code as a string."""

from __future__ import annotations

import ast
import re
from enum import StrEnum

from graphql import GraphQLEnumType, build_schema

from api.errors import ERROR_CODE_ENUMS
from tests.conftest import ROOT

PACKAGES = ("api", "core", "accounts", "geo", "tours", "media", "qr")


def test_every_code_is_named_as_it_is_spelled() -> None:
    for enum in ERROR_CODE_ENUMS:
        assert issubclass(enum, StrEnum)
        assert [m.name for m in enum] == [m.value for m in enum], enum.__name__


def test_the_schema_exports_every_enum_with_every_code() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    for enum in ERROR_CODE_ENUMS:
        exported = schema.get_type(enum.__name__)
        assert isinstance(exported, GraphQLEnumType), enum.__name__
        assert list(exported.values) == [m.value for m in enum], enum.__name__


def readme_tables() -> dict[str, list[str]]:
    """The codes of each table of README's "Error codes" section, by enum name."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Error codes\n"):]
    section = section[:section.index("\n## ", 1)]
    tables: dict[str, list[str]] = {}
    current = None
    for line in section.splitlines():
        heading = re.match(r"^### `(\w+)`", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
        row = re.match(r"^\| `([A-Z_]+)` \| (.+) \|$", line)
        if row and current is not None:
            assert row.group(2).strip() and "TODO" not in row.group(2), line
            tables[current].append(row.group(1))
    return tables


def test_the_readme_lists_exactly_the_codes_of_each_enum() -> None:
    tables = readme_tables()
    assert list(tables) == [e.__name__ for e in ERROR_CODE_ENUMS]
    for enum in ERROR_CODE_ENUMS:
        assert tables[enum.__name__] == [m.value for m in enum], enum.__name__


CODE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")


def _is_code(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(
        CODE.fullmatch(node.value))


def string_codes(path: str) -> list[str]:
    """Places in a module where a code is a string literal: `code="A_CODE"` arguments,
    `code = "A_CODE"` class attributes and `{"code": "A_CODE"}` dicts."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "code" and _is_code(node.value):
            found.append(f"{path}:{node.value.lineno} code=...")
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets) and _is_code(
                node.value):
            found.append(f"{path}:{node.lineno} code = ...")
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code" and _is_code(value):
                    found.append(f"{path}:{node.lineno} {{'code': ...}}")
    return found


def test_no_code_is_spelled_as_a_string() -> None:
    offenders = [place for package in PACKAGES for file in sorted((ROOT / package).rglob("*.py"))
                 for place in string_codes(str(file.relative_to(ROOT)))]
    assert not offenders, "codes come from their area's enum:\n" + "\n".join(offenders)


def test_the_string_check_sees_each_spelling() -> None:
    probe = ROOT / "tests" / "api" / "_string_codes_probe.py"
    probe.write_text('raise E("m", code="NO_SUCH")\nclass C:\n    code = "NOT_FOUND"\n'
                     'r = {"code": "TOO_LARGE"}\nlabels = {"code": "Mã"}\nexit(code=2)\n')
    try:
        assert len(string_codes("tests/api/_string_codes_probe.py")) == 3
    finally:
        probe.unlink()
