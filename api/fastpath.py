"""The fast path of the hot connections (destinationsInArea, nearbyDestinations): planned
from the selection set, read as rows of exactly the columns it needs (no ORM objects) and
answered as JSON values built in one pass, without a resolver call per field.

graphql-core still parses, validates, measures (limits, cost), coerces the arguments and
calls the root field's own resolver, so that every refusal is the same error at the same
path; only the completion of the connection below it is replaced. A selection with any
field the plan does not know (province, openingHours, coverPhoto, stops...), a `lang` that
would be refused, @defer/@stream or field middleware runs the ordinary way instead.
tests/api/test_differential.py requires identical answers from both ways."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, TypeVar, cast

from graphql import GraphQLObjectType, get_named_type
from graphql.execution.values import get_argument_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.context import Context
from api.types.common import to_global_id
from core.errors import DomainError
from core.language import pick
from core.paging import Page
from geo.models import Category, HeritageRanking, Status
from geo.spatial import column_places

T = TypeVar("T")
#: The hot root fields and the kind of page each gives.
HOT_FIELDS = frozenset({"destinationsInArea", "nearbyDestinations"})
#: A node's value from its row and its language chain.
Render = Callable[[Any, tuple[str, ...]], Any]


@dataclass(frozen=True, slots=True)
class RowPage:
    """What a hot connection's resolver answers on the fast path: a page of rows (nearby:
    (row, metres) pairs) with the language chain and cursor kind of the connection."""

    page: Page[Any]
    kind: str
    chain: tuple[str, ...]
    had_after: bool
    nearby: bool


def row_columns(info: Any) -> frozenset[str] | None:
    """The columns the fast path planned for this root field; None: the ordinary way."""
    context: Context = info.context
    plan = context.row_plans.get(info.path.key)
    return plan.columns if isinstance(plan, ConnectionPlan) else None


def rows_answer(page: Page[Any], *, kind: str, chain: tuple[str, ...], had_after: bool,
                stands_for: type[T]) -> T:
    """A hot resolver's answer from rows (nearby: (row, metres) pairs), standing for the
    connection type its field declares: the executor completes it by its plan."""
    return cast(T, RowPage(page, kind, chain, had_after, nearby=kind == "nearby"))


class _Unplanned(Exception):
    """The selection holds something the fast path does not answer."""


@dataclass(frozen=True, slots=True)
class _Text:
    """A localized text field of a node (name, nameLang, description, address)."""

    column: str
    chain: tuple[str, ...] | None  # its own `lang`; None: the connection's chain


@dataclass(frozen=True, slots=True)
class _Part:
    """How a node field is written: inline, as an expression of `row` and `chain` in the
    generated function (`source`), or by calling its renderer (`render`)."""

    render: Render | None = None
    source: str | None = None


def _localized(found: Any, plan: list[tuple[str, str]]) -> dict[str, Any] | None:
    if found is None:
        return None
    return {key: ("LocalizedText" if what == "__typename" else getattr(found, what))
            for key, what in plan}


class Planner:
    """Plans one root field's selection with the executor's own field collection."""

    def __init__(self, executor: FastExecutor):
        self.executor = executor
        self.columns: set[str] = set()

    def fields(self, type_: GraphQLObjectType, details: Any) -> list[tuple[str, str, Any]]:
        """(response key, field name, field details) of a selection, in answer order."""
        grouped, deferred, *_ = self.executor.collect_subfields(type_, details)
        if deferred:
            raise _Unplanned("@defer")
        return [(key, group[0].node.name.value, group) for key, group in grouped.items()]

    def lang(self, type_: GraphQLObjectType, name: str, group: Any) -> tuple[str, ...] | None:
        """The chain of a field's own `lang` (None without one); a refused one: _Unplanned."""
        field = type_.fields[name]
        first = group[0]
        args = get_argument_values(field, first.node, self.executor.variable_values,
                                   first.fragment_variable_values,
                                   self.executor.hide_suggestions)
        lang = args.get("lang")
        if lang is None:
            return None
        try:
            return self.executor.context_value.chain(lang)  # type: ignore[no-any-return]
        except DomainError as refused:
            raise _Unplanned("lang") from refused

    def leaf_object(self, type_: Any, group: Any, names: frozenset[str]
                    ) -> list[tuple[str, str]]:
        """(key, field) of an object of plain fields (GeoPoint, LocalizedText, PageInfo)."""
        named = get_named_type(type_)
        plan = []
        for key, name, _ in self.fields(named, group):
            if name != "__typename" and name not in names:
                raise _Unplanned(name)
            plan.append((key, name))
        return plan

    def node(self, type_: Any, group: Any) -> list[tuple[str, _Part]]:
        """The fields of a Destination node, in answer order."""
        named = get_named_type(type_)
        return [(key, self._node_field(named, name, sub))
                for key, name, sub in self.fields(named, group)]

    def _node_field(self, type_: GraphQLObjectType, name: str, group: Any) -> _Part:
        simple = _NODE_FIELDS.get(name)
        if simple is not None:
            columns, part = simple
            self.columns.update(columns)
            return part
        if name in ("name", "nameLang", "description", "address"):
            text = _Text("name" if name == "nameLang" else name, self.lang(type_, name, group))
            self.columns.add(text.column)
            if name == "name":
                self.columns.add("slug")
                if text.chain is None:
                    return _Part(source="_name_text(row, chain)")
                return _Part(lambda row, chain: _name_text(row, text.chain or chain))
            if name == "nameLang":
                return _Part(lambda row, chain: _name_lang(row, text.chain or chain))
            plan = self.leaf_object(type_.fields[name].type, group, frozenset({"text", "lang"}))
            return _Part(lambda row, chain: _localized(
                pick(getattr(row, text.column), text.chain or chain), plan))
        if name == "location":
            plan = self.leaf_object(type_.fields[name].type, group, frozenset({"lat", "lng"}))
            self.columns.update(("lat", "lng"))
            return _Part(source=_dict_source([
                f"{key!r}: " + ("'GeoPoint'" if what == "__typename" else f"float(row.{what})")
                for key, what in plan]))
        raise _Unplanned(name)


def _name_text(row: Any, chain: tuple[str, ...]) -> str:
    names = row.name
    if names and chain:  # the first choice, as it is: what `pick` gives first
        first = names.get(chain[0])
        if first:
            return first  # type: ignore[no-any-return]
    found = pick(names, chain)
    return found.text if found else str(row.slug)


def _name_lang(row: Any, chain: tuple[str, ...]) -> str:
    found = pick(row.name, chain)
    return found.lang if found else "und"


@lru_cache(maxsize=65536)
def _destination_id(key: int) -> str:
    return to_global_id("Destination", key)  # the same few thousand ids, page after page


#: Node fields that need no argument: (columns read, how each is written).
_NODE_FIELDS: dict[str, tuple[tuple[str, ...], _Part]] = {
    "__typename": ((), _Part(source="'Destination'")),
    "id": ((), _Part(source="_id(row.id)")),
    "slug": (("slug",), _Part(source="row.slug")),
    "district": (("district",), _Part(source="row.district")),
    "category": (("category",), _Part(lambda row, chain: Category(row.category).name)),
    "status": (("status",), _Part(lambda row, chain: Status(row.status).name)),
    "heritageRanking": (("heritage_ranking",), _Part(lambda row, chain: HeritageRanking(
        row.heritage_ranking).name if row.heritage_ranking else None)),
    "availableLanguages": (("name",), _Part(lambda row, chain: sorted(row.name))),
}


def _generated(source: str, env: dict[str, Any]) -> Callable[..., Any]:
    """A function from generated source (a lambda of fixed templates, GraphQL names and
    column names: nothing a client wrote but names the parser checked)."""
    return cast(Callable[..., Any], eval(source, {"__builtins__": {}, **_ENV, **env}))  # noqa: S307


_ENV: dict[str, Any] = {"_id": _destination_id, "_name_text": _name_text, "float": float,
                        "zip": zip}


_COLUMN = re.compile(r"\brow\.([a-z_]+)\b")


def _node_source(parts: list[tuple[str, _Part]], env: dict[str, Any],
                 places: dict[str, int]) -> str:
    """A node's dict as an expression of `row` and `chain`, its columns read by their place
    in the row (`places`); a field with no expression of its own calls its renderer, kept in
    env."""
    fields = []
    for key, part in parts:
        if part.source is None:
            assert part.render is not None
            name = f"_p{len(env)}"
            env[name] = part.render
            fields.append(f"{key!r}: {name}(row, chain)")
        else:
            fields.append(f"{key!r}: " + _COLUMN.sub(
                lambda column: f"row[{places[column.group(1)]}]", part.source))
    return _dict_source(fields)


def _dict_source(fields: list[str]) -> str:
    return "{" + ", ".join(fields) + "}"


def _edges(parts: list[tuple[str, str, Any]], typename: str, places: dict[str, int]) -> _Edges:
    """The edges of a page, written by one generated function of (rows, items, cursors,
    chain)."""
    env: dict[str, Any] = {}
    values = {"cursor": "cursor", "distanceMeters": "float(item[1])", "routeFraction": "None",
              "__typename": repr(typename)}
    edge = _dict_source([f"{key!r}: " + (_node_source(sub, env, places) if what == "node"
                                         else values[what]) for key, what, sub in parts])
    return _Edges(tuple(what for _, what, _ in parts), _generated(
        f"lambda rows, items, cursors, chain: [{edge} for row, item, cursor in "
        "zip(rows, items, cursors)]", env))


def _nodes(parts: list[tuple[str, _Part]], places: dict[str, int]) -> Callable[..., Any]:
    """A page's nodes, written by one generated function of (rows, chain)."""
    env: dict[str, Any] = {}
    return _generated(f"lambda rows, chain: [{_node_source(parts, env, places)} "
                      "for row in rows]", env)
_PAGE_INFO = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})


@dataclass(frozen=True, slots=True)
class _Edges:
    """A connection's edges: their fields, and the generated function that writes them."""

    fields: tuple[str, ...]
    write: Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    """How to answer one hot connection from a RowPage."""

    typename: str
    columns: frozenset[str]
    parts: tuple[tuple[str, str, Any], ...]  # (key, field, sub-plan)

    def render(self, rows: RowPage, context: Context) -> dict[str, Any]:
        """The connection's JSON value."""
        page = rows.page
        items = [item[0] for item in page.items] if rows.nearby else page.items
        # signing a cursor is most of an edge's cost: only the cursors the selection shows
        cursors: list[str | None] = [None] * len(page.keys)
        if self.edge_cursors:
            cursors = [context.cursors.encode(rows.kind, key) for key in page.keys]
        elif self.page_cursors and page.keys:
            cursors[0] = context.cursors.encode(rows.kind, page.keys[0])
            cursors[-1] = context.cursors.encode(rows.kind, page.keys[-1])
        out: dict[str, Any] = {}
        for key, what, sub in self.parts:
            if what == "__typename":
                out[key] = self.typename
            elif what == "nodes":
                out[key] = sub(items, rows.chain)
            elif what == "pageInfo":
                out[key] = _page_info(sub, cursors, page.has_next, rows.had_after)
            else:
                out[key] = sub.write(items, page.items, cursors, rows.chain)
        return out

    @property
    def edge_cursors(self) -> bool:
        """Whether an edge's `cursor` is selected (then every row's cursor is signed)."""
        return any(what == "edges" and "cursor" in sub.fields for _, what, sub in self.parts)

    @property
    def page_cursors(self) -> bool:
        """Whether pageInfo's start or end cursor is selected."""
        return any(what == "pageInfo" and any(f in ("startCursor", "endCursor") for _, f in sub)
                   for _, what, sub in self.parts)


def _page_info(plan: list[tuple[str, str]], cursors: list[str | None], has_next: bool,
               had_after: bool) -> dict[str, Any]:
    values = {"__typename": "PageInfo", "hasNextPage": has_next,
              "hasPreviousPage": had_after,
              "startCursor": cursors[0] if cursors else None,
              "endCursor": cursors[-1] if cursors else None}
    return {key: values[what] for key, what in plan}


def plan_connection(executor: FastExecutor, type_: Any, group: Any) -> ConnectionPlan | None:
    """The plan of a hot connection's selection, or None when it runs the ordinary way."""
    planner = Planner(executor)
    connection = get_named_type(type_)
    parts: list[tuple[str, str, Any]] = []
    try:
        for key, name, sub in planner.fields(connection, group):
            if name == "__typename":
                parts.append((key, name, None))
            elif name == "nodes":
                parts.append((key, name, partial(  # written once the columns are known
                    _nodes, planner.node(connection.fields[name].type, sub))))
            elif name == "pageInfo":
                parts.append((key, name, planner.leaf_object(
                    connection.fields[name].type, sub, _PAGE_INFO)))
            elif name == "edges":
                edge = get_named_type(connection.fields[name].type)
                edge_parts: list[tuple[str, str, Any]] = []
                for e_key, e_name, e_sub in planner.fields(edge, sub):
                    if e_name == "node":
                        edge_parts.append((e_key, e_name, planner.node(
                            edge.fields[e_name].type, e_sub)))
                    elif e_name in ("cursor", "distanceMeters", "routeFraction", "__typename"):
                        edge_parts.append((e_key, e_name, None))
                    else:
                        raise _Unplanned(e_name)
                parts.append((key, name, partial(_edges, edge_parts, edge.name)))
            else:
                raise _Unplanned(name)
    except _Unplanned:
        return None
    columns = frozenset(planner.columns)
    places = column_places(columns)
    return ConnectionPlan(typename=connection.name, columns=columns, parts=tuple(
        (key, name, sub(places) if name in ("nodes", "edges") else sub)
        for key, name, sub in parts))


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, answering the hot connections by their plan."""

    def execute_field(self, parent_type: GraphQLObjectType, source: Any,
                      field_details_list: Any, path: Any, position_context: Any) -> Any:
        """A hot root field with a plannable selection gets its columns planned (its
        resolver then reads rows); every other field runs as graphql-core runs it."""
        if (path.prev is None and not _has_middleware(self.middleware_manager)
                and field_details_list[0].node.name.value in HOT_FIELDS
                and parent_type is self.schema.query_type
                and isinstance(self.context_value, Context)):
            field = parent_type.fields[field_details_list[0].node.name.value]
            plan = plan_connection(self, field.type, field_details_list)
            if plan is not None:
                self.context_value.row_plans[path.key] = plan
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)

    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any,
                       result: Any, position_context: Any) -> Any:
        """A RowPage is answered by its plan; anything else as graphql-core completes it."""
        if isinstance(result, RowPage):
            context: Context = self.context_value
            return context.row_plans[path.key].render(result, context)
        return super().complete_value(return_type, field_details_list, info, path, result,
                                      position_context)


def _has_middleware(manager: Any) -> bool:
    """Whether field middleware (an extension's `resolve`) wraps resolvers: then every field
    runs the ordinary way, so that it sees them all."""
    return manager is not None and bool(getattr(manager, "middlewares", ()))
