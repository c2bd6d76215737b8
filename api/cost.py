"""The cost budget of an operation, computed on the parsed document with its variables before
anything runs: every field costs 1, a list multiplies the cost of what is selected in each
of its items by how many items it may hold (`first`, from a literal, a variable or the
default page size, for a page; UNPAGED_LIST_SIZE for a list without paging), and a fragment
costs what it costs each time it is spread (computed once, however often it is spread).
A costly operation (over COSTLY_SHARE of the budget) also waits for one of COSTLY_AT_ONCE
slots of the process, so that a flood of them cannot crowd out the ordinary ones."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from api.errors import ApiErrorCode
from api.selections import SelectionFold, TooDeep
from core.capacity import WorkSlots
from core.errors import DomainError
from core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

#: How many items a list without `first` is counted for (a site's stops, a tour's scenes, a
#: stop's narrations and QR codes: a few to a few dozen).
UNPAGED_LIST_SIZE = 10
#: Nesting past which the walk gives up (validation refuses far less deep documents first).
MAX_LEVEL = 64
#: An operation costing more than budget / COSTLY_SHARE runs in one of COSTLY_AT_ONCE slots,
#: waiting at most COSTLY_WAIT_S for one (then SERVICE_BUSY); the slot rests COSTLY_REST
#: times as long as the operation took, so costly work has at most a fifth of the process.
COSTLY_SHARE = 8
COSTLY_AT_ONCE = 1
COSTLY_WAIT_S = 3.0
COSTLY_REST = 4.0
COSTLY = WorkSlots(limit=COSTLY_AT_ONCE, wait_s=COSTLY_WAIT_S, rest_ratio=COSTLY_REST,
                   refusal=lambda: DomainError(ApiErrorCode.SERVICE_BUSY,
                                               "too many costly queries: retry in a moment"))


class _Cost(SelectionFold[int, int]):
    """Cost of selection sets; the context is the page size of the enclosing paged field
    (0 outside one), which the connection's `edges` and `nodes` lists hold."""

    def __init__(self, document: DocumentNode, schema: GraphQLSchema,
                 operation: OperationDefinitionNode, variables: Mapping[str, Any]):
        super().__init__(document, schema, MAX_LEVEL)
        self.variables = variables
        self.variable_defaults = {
            v.variable.name.value: int(v.default_value.value)
            for v in operation.variable_definitions or ()
            if isinstance(v.default_value, IntValueNode)}

    def empty(self) -> int:
        """Nothing selected costs nothing."""
        return 0

    def merge(self, a: int, b: int) -> int:
        """Siblings cost both."""
        return a + b

    def field(self, node: FieldNode, definition: GraphQLField | None, context: int,
              inner: int | None) -> int:
        """1, plus its children's cost times the items it may hold."""
        if inner is None:
            return 1
        return 1 + self._items(node, definition, context) * inner

    def inner_context(self, node: FieldNode, definition: GraphQLField | None, context: int
                      ) -> int:
        """A paged field's page size, for its lists; 0 below anything else."""
        if definition is not None and "first" in definition.args:
            return self._first(node, definition)
        return 0

    def _items(self, node: FieldNode, definition: GraphQLField | None, context: int) -> int:
        if definition is None or not _is_list(definition):
            return 1
        if "first" in definition.args:
            return self._first(node, definition)
        return context or UNPAGED_LIST_SIZE

    def _first(self, node: FieldNode, definition: GraphQLField) -> int:
        """The page size asked, within 0..MAX_PAGE_SIZE (the resolver refuses others)."""
        value: Any = None
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            name = given.name.value
            value = self.variables.get(name, self.variable_defaults.get(name))
        if value is None:
            default = definition.args["first"].default_value
            value = default if isinstance(default, int) else DEFAULT_PAGE_SIZE
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE_SIZE
        return min(max(value, 0), MAX_PAGE_SIZE)


def _is_list(definition: GraphQLField) -> bool:
    kind = definition.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def query_cost(document: DocumentNode, *, schema: GraphQLSchema,
               operation_name: str | None = None,
               variables: Mapping[str, Any] | None = None) -> int:
    """The cost of the document's operation (the named one, or its only one) with these
    variables; 0 when there is no such operation (execution reports that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fold = _Cost(document, schema, operation, variables or {})
    try:
        return fold.operation(operation, 0)
    except TooDeep:
        return 2**63


def too_costly(cost: int, budget: int) -> GraphQLError:
    """The refusal of an operation over its budget, naming both."""
    return GraphQLError(
        f"the query costs {cost}, over the budget of {budget}: ask for smaller pages "
        "(first) or fewer nested lists, or split it", extensions={
            "code": ApiErrorCode.QUERY_TOO_COSTLY.value, "cost": cost, "budget": budget})


class QueryCost(SchemaExtension):
    """Refuses, before execution, an operation costing more than the budget of the request's
    settings (`TOURISM_MAX_QUERY_COST`), and runs a costly one in a COSTLY slot."""

    async def on_execute(self) -> AsyncIterator[None]:
        """Measures the validated operation; over budget, it is answered without running."""
        context = self.execution_context
        settings = getattr(context.context, "settings", None)
        if settings is None or context.graphql_document is None:
            yield
            return
        budget = settings.limits.max_query_cost
        cost = query_cost(context.graphql_document, schema=context.schema._schema,
                          operation_name=context.operation_name, variables=context.variables)
        if cost > budget:
            context.result = GraphQLExecutionResult(data=None, errors=[too_costly(cost, budget)])
            yield
            return
        if cost <= budget // COSTLY_SHARE:
            yield
            return
        try:
            taken_at = await COSTLY.acquire()
        except DomainError as refused:
            context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                refused.message, extensions={"code": refused.code.value})])
            yield
            return
        try:
            yield
        finally:
            COSTLY.release(taken_at)
