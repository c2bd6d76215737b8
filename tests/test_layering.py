"""The layers, read from the imports (ast) of every module: business packages know nothing of
the web, api/ builds no SQL, and the packages depend on each other in one direction."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

# The business packages, each allowed to import only those before it.
LAYERS = ("core", "accounts", "media", "geo", "tours", "qr")
WEB = ("strawberry", "starlette", "mangum", "uvicorn")
# What builds a statement: sqlalchemy's (and sqlalchemy.sql's) expression constructors, the
# ORM's query options, and the dialects' insert constructs. Session, engine and connection
# types, `event`, `make_url`, pools and the like stay importable.
QUERY_BUILDERS = frozenset({
    "select", "insert", "update", "delete", "text", "func", "and_", "or_", "not_",
    "literal", "literal_column", "column", "table", "exists", "case", "cast", "try_cast",
    "union", "union_all", "intersect", "intersect_all", "except_", "except_all",
    "bindparam", "null", "true", "false", "tuple_", "over", "lateral", "values", "join",
    "outerjoin", "alias", "any_", "all_", "distinct", "desc", "asc", "nulls_first",
    "nulls_last", "extract", "between", "collate", "type_coerce", "within_group",
    "funcfilter", "label", "lambda_stmt", "modifier", "sql", "expression",
    "aliased", "selectinload", "joinedload", "subqueryload", "contains_eager", "load_only",
    "defer", "undefer", "with_polymorphic", "with_loader_criteria", "Query",
})


@dataclass(frozen=True, slots=True)
class Imported:
    """One imported name: the module it comes from, the name (None for `import m`)."""

    path: str
    line: int
    module: str
    name: str | None


def modules(*packages: str) -> Iterator[Path]:
    """Every Python file of the packages."""
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(path: Path) -> Iterator[Imported]:
    """Every import of a file, at any depth (inside functions and TYPE_CHECKING too)."""
    where = path.relative_to(ROOT).as_posix()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(where, node.lineno, alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            for alias in node.names:
                yield Imported(where, node.lineno, module, alias.name)


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def test_business_packages_know_nothing_of_the_web() -> None:
    offenders = [f"{i.path}:{i.line} imports {i.module}"
                 for path in modules(*LAYERS) for i in imports(path) if _top(i.module) in WEB]
    assert not offenders, "\n".join(offenders)


def _builds_sql(found: Imported) -> bool:
    if _top(found.module) != "sqlalchemy":
        return False
    if found.name is None:  # `import sqlalchemy` gives sqlalchemy.select and the rest
        return found.module in ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression",
                                "sqlalchemy.future", "sqlalchemy.orm") \
            or found.module.startswith("sqlalchemy.dialects")
    return found.name in QUERY_BUILDERS


def imports_of_api() -> Iterator[Imported]:
    """Every import of every module of api/."""
    for path in modules("api"):
        yield from imports(path)


def test_api_builds_no_query() -> None:
    offenders = [f"{i.path}:{i.line} imports {i.name or i.module} from {i.module}"
                 for i in imports_of_api() if _builds_sql(i)]
    assert not offenders, "queries belong in the areas' services:\n" + "\n".join(offenders)


def package_graph() -> dict[str, dict[str, str]]:
    """Which business package imports which other one, with one place that does it."""
    graph: dict[str, dict[str, str]] = {p: {} for p in LAYERS}
    for path in modules(*LAYERS):
        source = path.relative_to(ROOT).parts[0]
        for found in imports(path):
            target = _top(found.module)
            if target in graph and target != source:
                graph[source].setdefault(target, f"{found.path}:{found.line}")
    return graph


def _cycle(graph: dict[str, dict[str, str]]) -> list[str]:
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        trail.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        trail.pop()
        return []

    for start in graph:
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_package_graph_has_no_cycle() -> None:
    graph = package_graph()
    cycle = _cycle(graph)
    assert not cycle, " -> ".join(cycle) + "\n" + "\n".join(
        f"{a} -> {b}: {graph[a][b]}" for a, b in zip(cycle, cycle[1:], strict=False))


def test_packages_depend_only_on_the_layers_below() -> None:
    graph = package_graph()
    upward = [f"{source} imports {target} ({where})"
              for source, targets in graph.items() for target, where in targets.items()
              if LAYERS.index(target) > LAYERS.index(source)]
    assert not upward, "order is " + " <- ".join(LAYERS) + ":\n" + "\n".join(upward)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": ""}, "b": {}, "c": {"a": ""}}) == []
