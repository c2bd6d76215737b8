"""Repeated reads of a hot connection answered without the request pipeline around them (what
graphql-jit does for graphql-js): once a document whose one root field is destinationsInArea
or nearbyDestinations has been answered by the ordinary way without an error, and its
selection had a fast-path plan (api/fastpath.py) that no variable can change, later POSTs of
the same text skip strawberry's view and extensions and graphql-core's execution: their
variables are coerced and the operation measured (cost) as graphql-core and QueryCost would,
the root field's own resolver runs as graphql-core calls it, and the plan writes the page.

Validation and the limits depend on the document alone, so the ordinary answer passed them
for every later request. Whatever else could refuse a request (variables that do not coerce,
an operation over the cheap share of the cost budget, a resolver's DomainError, a page over
the size limit, the time limit) gives the request back to the ordinary way, which answers it
as it always has. tests/api/test_differential.py sends every generated operation twice to
the app with the fast path, and requires both answers byte for byte equal to graphql-core's.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    get_operation_ast,
    parse,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path, is_awaitable
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from api.context import Context
from api.cost import COSTLY_SHARE, query_cost
from api.fastpath import HOT_FIELDS, ConnectionPlan, RowPage
from api.graphql_http import (
    CONTENT_TYPES,
    JSON,
    VARY,
    cache_control,
    parse_json_body,
    response_media_type,
)
from api.schema import close_request_session

log = logging.getLogger("tourism.api")
#: Documents kept (least recently used first out): apps send a handful of hot documents.
KEPT = 256
#: graphql-core's executor default (Executor.build's max_coercion_errors).
MAX_COERCION_ERRORS = 50

@dataclass(frozen=True, slots=True)
class Compiled:
    """A hot document, ready to answer: its root field and the plan of its selection."""

    document: DocumentNode
    operation_name: str | None
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    field: GraphQLField
    node: FieldNode
    key: str
    plan: ConnectionPlan
    cost: int | None  # the operation's cost, when no variable gives a `first`


class _FixedShape(Visitor):
    """Finds what could make a selection's plan depend on variables (a directive anywhere, an
    argument on any field but the root one), and whether its cost does (a `first` given by a
    variable)."""

    def __init__(self, root: FieldNode):
        super().__init__()
        self.root = root
        self.fixed = True
        self.first_from_variables = False

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        """A directive (@skip/@include with a variable, @defer...)."""
        self.fixed = False

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        """A field below the root with arguments (its own `lang`)."""
        if node is not self.root and node.arguments:
            self.fixed = False

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        """A `first` given by a variable: the cost (api/cost.py) depends on it."""
        if node.name.value == "first" and isinstance(node.value, VariableNode):
            self.first_from_variables = True


def _compile(document: DocumentNode, operation_name: str | None, schema: GraphQLSchema,
             plans: dict[str, Any]) -> Compiled | None:
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode) or operation.operation \
            is not OperationType.QUERY or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    root = selections[0]
    key = root.alias.value if root.alias else root.name.value
    plan = plans.get(key)
    if root.name.value not in HOT_FIELDS or not isinstance(plan, ConnectionPlan):
        return None
    shape = _FixedShape(root)
    visit(document, shape)
    if not shape.fixed or schema.query_type is None:
        return None
    cost = None if shape.first_from_variables else query_cost(
        document, schema=schema, operation_name=operation_name)
    fragments = {definition.name.value: definition for definition in document.definitions
                 if isinstance(definition, FragmentDefinitionNode)}
    return Compiled(document=document, operation_name=operation_name, operation=operation,
                    fragments=fragments, field=schema.query_type.fields[root.name.value],
                    node=root, key=key, plan=plan, cost=cost)


class CompiledOperations:
    """The hot documents this process has answered, and their answers from then on."""

    def __init__(self, schema: GraphQLSchema, *, cost_budget: int, seconds: float):
        self.schema = schema
        self.cheap = cost_budget // COSTLY_SHARE  # above it QueryCost takes a COSTLY slot
        self.seconds = seconds
        self._kept: OrderedDict[tuple[str, str | None], Compiled | None] = OrderedDict()
        #: Requests answered here (tests check that the differential test reaches this way).
        self.answered = 0

    def learn(self, query: str, operation_name: str | None, context: Context) -> None:
        """After the ordinary way answered a document without errors: keeps it if its one root
        field is a hot connection whose plan no variable changes (else remembers it is not)."""
        known = (query, operation_name)
        if known in self._kept or not context.row_plans:
            return
        self._kept[known] = _compile(parse(query), operation_name, self.schema,
                                     context.row_plans)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)

    def find(self, query: str, operation_name: str | None) -> Compiled | None:
        """The compiled document of this text, if there is one."""
        found = self._kept.get((query, operation_name))
        if found is not None:
            self._kept.move_to_end((query, operation_name))
        return found

    async def answer(self, compiled: Compiled, variables: dict[str, Any], context: Context
                     ) -> bytes | None:
        """The answer's JSON, or None: then the ordinary way answers the request."""
        # variables coerced as graphql-core's executor coerces them (its errors: the
        # ordinary way answers them), without building an executor for one resolver call
        coerced = get_variable_values(self.schema, compiled.operation.variable_definitions or (),
                                      variables, max_errors=MAX_COERCION_ERRORS)
        if isinstance(coerced, list):
            return None
        cost = compiled.cost if compiled.cost is not None else query_cost(
            compiled.document, schema=self.schema, operation_name=compiled.operation_name,
            variables=variables)
        if cost > self.cheap:
            return None
        query_type = self.schema.query_type
        assert query_type is not None  # a compiled document has a query root
        # what Executor.build_resolve_info gives the root field: strawberry's resolvers get
        # the plain dict of the coerced variables; no abort signal, and no helpers to gather
        # async work (the hot resolvers await their one read)
        info = GraphQLResolveInfo(
            compiled.node.name.value, [compiled.node], compiled.field.type, query_type,
            Path(None, compiled.key, query_type.name), self.schema, compiled.fragments, None,
            compiled.operation, coerced.coerced, context,  # type: ignore[arg-type]
            is_awaitable, None, None)  # type: ignore[arg-type]
        context.row_plans[compiled.key] = compiled.plan
        try:
            args = get_argument_values(compiled.field, compiled.node, coerced)
            async with asyncio.timeout(self.seconds):
                result = compiled.field.resolve(None, info, **args)  # type: ignore[misc]
                if inspect.isawaitable(result):
                    result = await result
        except Exception:  # refused, or slow: the ordinary way gives the same answer
            log.debug("a compiled operation goes the ordinary way", exc_info=True)
            return None
        if not isinstance(result, RowPage):
            return None
        self.answered += 1
        return orjson.dumps({"data": {compiled.key: compiled.plan.render(result, context)}})

    async def respond(self, request: Request, context_of: Callable[[Request], Context], *,
                      opener: Callable[[], AsyncSession], max_bytes: int) -> Response | None:
        """The answer to a repeated hot read (a JSON POST of a document kept here), on a
        session from `opener`; None: the ordinary way answers the request."""
        if request.method != "POST" or request.headers.get("content-type", "").split(
                ";")[0].strip().lower() != JSON:
            return None
        try:
            data = parse_json_body(await request.body())  # parsed once (the request guard)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None  # strawberry's own parse gives the ordinary refusal
        if not isinstance(data, dict) or data.get("extensions") is not None:
            return None
        query, name, variables = (data.get("query"), data.get("operationName"),
                                  data.get("variables"))
        compiled = self.find(query, name) if isinstance(query, str) and isinstance(
            name, str | None) and isinstance(variables, dict | None) else None
        if compiled is None:
            return None
        context = context_of(request)
        context.opener = opener
        try:
            answered = await self.answer(compiled, variables or {}, context)
        finally:
            await close_request_session(context)
        if answered is None or len(answered) > max_bytes:
            return None
        media_type = response_media_type(request.headers.get("accept")) or JSON
        return Response(answered, media_type=CONTENT_TYPES[media_type], headers={
            "Cache-Control": cache_control(public=False), "Vary": VARY})
