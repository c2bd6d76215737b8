"""Expected failures become typed GraphQL errors with a stable `extensions.code`; the rest is
masked as "Unexpected error." with the detail only in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from accounts.errors import AuthErrorCode
from core.errors import CoreErrorCode, DomainError
from geo.errors import GeoErrorCode
from geo.listings.errors import ListingErrorCode
from geo.occupancy.errors import OccupancyErrorCode
from media.errors import MediaErrorCode
from qr.errors import QrErrorCode
from qr.feedback.errors import FeedbackErrorCode
from tours.errors import TourErrorCode

log = logging.getLogger("tourism.api")

UNEXPECTED = "Unexpected error."
UNAVAILABLE = "The service is briefly unavailable: try again in a few seconds."


class ApiErrorCode(StrEnum):
    """Stable codes of what the API itself refuses: documents, requests, ids and cursors."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    SERVICE_BUSY = "SERVICE_BUSY"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    OPERATION_TIMEOUT = "OPERATION_TIMEOUT"
    RATE_LIMITED = "RATE_LIMITED"
    BATCHING_DISABLED = "BATCHING_DISABLED"
    INVALID_JSON = "INVALID_JSON"
    BAD_REQUEST = "BAD_REQUEST"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    URI_TOO_LONG = "URI_TOO_LONG"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_INVALID = "PERSISTED_QUERY_INVALID"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    ASSET_NOT_FOUND = "ASSET_NOT_FOUND"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


#: Every code a client can meet, by area: exported as GraphQL enums in the schema (SDL) and
#: listed in the README.
ERROR_CODE_ENUMS: tuple[type[StrEnum], ...] = (
    ApiErrorCode, CoreErrorCode, AuthErrorCode, GeoErrorCode, ListingErrorCode, MediaErrorCode,
    TourErrorCode, QrErrorCode, FeedbackErrorCode, OccupancyErrorCode)


def error_code_enums() -> list[type[StrEnum]]:
    """Every area's codes as GraphQL enums (ErrorCode types of the SDL, saleor's style)."""
    return [strawberry.enum(codes, name=codes.__name__, description=codes.__doc__)
            for codes in ERROR_CODE_ENUMS]


def _code_of_graphql_error(error: GraphQLError) -> ApiErrorCode:
    message = error.message
    if "more than" in message and "tokens" in message:
        return ApiErrorCode.QUERY_TOO_LARGE
    if message.startswith("Syntax Error"):
        return ApiErrorCode.GRAPHQL_PARSE_FAILED
    if message.startswith("Variable '$") or "cannot represent" in message:
        return ApiErrorCode.BAD_USER_INPUT
    return ApiErrorCode.GRAPHQL_VALIDATION_FAILED


def is_unavailable(error: BaseException | None) -> bool:
    """Whether a failure means the database cannot be reached (not that a statement failed):
    a connection that could not be made or was lost, or no pooled connection in time."""
    while error is not None:
        if isinstance(error, PoolTimeout | ConnectionError):
            return True
        if isinstance(error, DBAPIError) and (error.connection_invalidated
                                              or error.statement is None):
            return True
        error = error.__cause__
    return False


def classify(error: GraphQLError, *, production: bool) -> GraphQLError:
    """The error as the client sees it: its stable code, or masked when unexpected."""
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(original, DomainError):
        extensions["code"] = original.code.value
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            extensions=extensions)
    if original is None or isinstance(original, GraphQLError):
        extensions.setdefault("code", _code_of_graphql_error(error).value)
        return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path, extensions=extensions)
    if is_unavailable(original):
        log.warning("database unavailable at %s: %s", error.path, type(original).__name__)
        return GraphQLError(UNAVAILABLE, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            extensions={"code": ApiErrorCode.SERVICE_UNAVAILABLE.value})
    log.error("unexpected error at %s", error.path, exc_info=original)
    message = UNEXPECTED if production else f"{UNEXPECTED} ({type(original).__name__})"
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path,
                        extensions={"code": ApiErrorCode.INTERNAL_SERVER_ERROR.value})


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
