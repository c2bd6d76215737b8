"""What kind of operation a request carries, known before it runs."""

from __future__ import annotations

from functools import lru_cache

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
)

from api.schema import MAX_TOKENS


@lru_cache(maxsize=256)
def reads_only(query: str, operation_name: str | None) -> bool:
    """Whether the operation is a query (no mutation): it may run without a transaction.

    A document that does not parse counts as read-only: it is refused before any resolver.
    An ambiguous one (several operations, no name) does not: it gets a transaction."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS, no_location=True)
    except GraphQLError:
        return True
    if operation_name is None and sum(1 for d in document.definitions
                                      if isinstance(d, OperationDefinitionNode)) != 1:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation == OperationType.QUERY
