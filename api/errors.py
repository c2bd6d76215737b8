"""Expected failures become typed GraphQL errors with a stable `extensions.code`; the rest is
masked as "Unexpected error." with the detail only in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from core.errors import DomainError

log = logging.getLogger("tourism.api")

UNEXPECTED = "Unexpected error."
INTERNAL = "INTERNAL_SERVER_ERROR"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"


def _code_of_graphql_error(error: GraphQLError) -> str:
    message = error.message
    if "more than" in message and "tokens" in message:
        return QUERY_TOO_LARGE
    if message.startswith("Syntax Error"):
        return PARSE_FAILED
    if message.startswith("Variable '$") or "cannot represent" in message:
        return BAD_USER_INPUT
    return VALIDATION_FAILED


def classify(error: GraphQLError, *, production: bool) -> GraphQLError:
    """The error as the client sees it: its stable code, or masked when unexpected."""
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(original, DomainError):
        extensions["code"] = original.code
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            extensions=extensions)
    if original is None or isinstance(original, GraphQLError):
        extensions.setdefault("code", _code_of_graphql_error(error))
        return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path, extensions=extensions)
    log.error("unexpected error at %s", error.path, exc_info=original)
    message = UNEXPECTED if production else f"{UNEXPECTED} ({type(original).__name__})"
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path,
                        extensions={"code": INTERNAL})


class ErrorCodes(SchemaExtension):
    """Gives every error of a result its stable code; masks the unexpected ones."""

    production: bool = False

    def on_operation(self) -> Iterator[None]:
        """Rewrites the errors of the finished operation."""
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [classify(e, production=self.production) for e in result.errors]


def error_codes(production: bool) -> type[ErrorCodes]:
    """The ErrorCodes extension for a mode (production masks every detail)."""
    return type("ErrorCodesFor" + ("Production" if production else "Development"),
                (ErrorCodes,), {"production": production})
