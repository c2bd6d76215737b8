"""Limits of the public API: request size and type, query depth and aliases (fragments
included, computed once per fragment), introspection in production, time per operation.
The cost budget is `api.cost`'s."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import (
    ASTValidationRule,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLField,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
)
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import AddValidationRules

from api.errors import ApiErrorCode as Code
from api.graphql_http import GraphQLErrorResponse, parse_json_body
from api.graphql_http import json_error as json_error  # the refusals' one shape, re-exported
from api.selections import SelectionFold, TooDeep

log = logging.getLogger("tourism.api")
T = TypeVar("T")

MAX_QUERY_STRING = 16 * 1024


# -- depth and aliases ---------------------------------------------------------------------


class _Shape(SelectionFold[tuple[int, int], None]):
    """(depth, aliases) of selection sets, each fragment measured once."""

    def empty(self) -> tuple[int, int]:
        """Nothing selected: no depth, no alias."""
        return 0, 0

    def merge(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        """Siblings: the deeper one's depth, both one's aliases."""
        return max(a[0], b[0]), a[1] + b[1]

    def field(self, node: FieldNode, definition: GraphQLField | None, context: None,
              inner: tuple[int, int] | None) -> tuple[int, int]:
        """A field is one level above its children; introspection is not counted (and is
        off in production)."""
        alias = 1 if node.alias else 0
        if inner is None:
            return 0, alias
        return 1 + inner[0], alias + inner[1]


def query_limits_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents deeper or with more aliases than allowed."""

    class QueryLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            shape = _Shape(document, None, max_depth + 40)
            total_aliases = 0
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                try:
                    depth, aliases = shape.operation(definition, None)
                except TooDeep:
                    depth, aliases = max_depth + 40, 0
                total_aliases += aliases
                if depth > max_depth:
                    context.report_error(GraphQLError(
                        f"the query is {depth} levels deep; at most {max_depth} are allowed",
                        definition, extensions={"code": Code.QUERY_TOO_DEEP.value}))
            if total_aliases > max_aliases:
                context.report_error(GraphQLError(
                    f"{total_aliases} aliases (fragments expanded); at most {max_aliases}",
                    extensions={"code": Code.TOO_MANY_ALIASES.value}))

    return QueryLimitsRule


class NoIntrospection(ValidationRule):
    """Refuses __schema and __type (production)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        """Reports an introspection field."""
        if node.name.value in ("__schema", "__type"):
            self.report_error(GraphQLError("introspection is disabled", node,
                                           extensions={"code": Code.INTROSPECTION_DISABLED.value}))


def limit_rules(*, max_depth: int, max_aliases: int, production: bool
                ) -> list[type[ASTValidationRule]]:
    """The validation rules of the limits, made once per schema: ValidationCache keys its
    entries by the rule classes, so new classes per request would never hit."""
    rules: list[type[ASTValidationRule]] = [query_limits_rule(max_depth=max_depth,
                                                           max_aliases=max_aliases)]
    if production:
        rules.append(NoIntrospection)
    return rules


class QueryLimits(AddValidationRules):
    """Depth and alias limits (and no introspection in production) as a schema extension."""

    def __init__(self, rules: list[type[ASTValidationRule]]) -> None:
        super().__init__(rules)


# -- time per operation ----------------------------------------------------------------------


async def within_time_limit(work: Awaitable[T], *, seconds: float,
                            opened: Callable[[], Any]) -> T | ExecutionResult:
    """The operation's result, or an OPERATION_TIMEOUT error once `seconds` have passed (the
    request's session, if it opened one, `opened()`, is then closed, releasing its
    connection)."""
    try:
        async with asyncio.timeout(seconds):
            return await work
    except TimeoutError:
        log.warning("operation stopped after %.1f s", seconds)
        session = opened()
        if session is not None:
            await session.close()
        return ExecutionResult(data=None, errors=[GraphQLError(
            f"the operation took longer than {seconds:g} s", extensions={
                "code": Code.OPERATION_TIMEOUT.value})])


# -- request size and type -------------------------------------------------------------------


class RequestGuard:
    """Refuses, before GraphQL reads anything: bodies over the limit (413), POSTs that are not
    JSON (415), batches (400: one operation per request) and over-long query strings (414)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, path: str = "/graphql"):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Checks a request to the GraphQL path; other paths pass untouched."""
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal_before_body(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope = _lowercase_media_type(scope)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.lstrip()[:1] == b"[":
            await json_error(400, Code.BATCHING_DISABLED,
                             "one operation per request: batches are not accepted"
                             )(scope, receive, send)
            return
        if not _is_json_object(body):
            await json_error(400, Code.INVALID_JSON, "the body is not a JSON object"
                             )(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _too_large(self) -> GraphQLErrorResponse:
        return json_error(413, Code.PAYLOAD_TOO_LARGE,
                          f"the request body is over {self.max_body_bytes} bytes")

    def _refusal_before_body(self, scope: Scope) -> GraphQLErrorResponse | None:
        headers = Headers(scope=scope)
        if scope["method"] == "GET":
            if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
                return json_error(414, Code.URI_TOO_LONG,
                                  f"the query string is over {MAX_QUERY_STRING} bytes")
            return None
        if scope["method"] != "POST":
            return None
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return json_error(415, Code.UNSUPPORTED_MEDIA_TYPE,
                              "send the operation as application/json")
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return json_error(400, Code.BAD_REQUEST, "Content-Length is not a number")
            if int(declared) > self.max_body_bytes:
                return self._too_large()
        return None


def _lowercase_media_type(scope: Scope) -> Scope:
    """The scope with its content type's media type in lower case (media types are
    case-insensitive, RFC 9110 §8.3.1; what runs after this compares them exactly)."""
    headers = []
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type, semicolon, parameters = value.partition(b";")
            value = media_type.lower() + semicolon + parameters
        headers.append((name, value))
    return {**scope, "headers": headers}


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(parse_json_body(body), dict)  # parsed once: kept for GraphQL
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

