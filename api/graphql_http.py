"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): the media type an answer
takes for the client's `Accept`, the status of a request error, the cache headers of an answer,
the GraphQL-shaped errors answered before GraphQL runs, and a POST's JSON body parsed once."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.errors import ApiErrorCode

#: The spec's media type: its 4xx answers are GraphQL responses a client can trust.
GRAPHQL_RESPONSE = "application/graphql-response+json"
#: The legacy media type (status 200 for every well-formed request, errors included).
JSON = "application/json"
#: The media types of answers, by what a client accepts.
CONTENT_TYPES = {GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8", JSON: JSON}
#: What a GraphQL answer depends on besides its URL (CORS adds Origin).
VARY = "Accept, Accept-Language, X-Tourism-Language, Authorization, X-Api-Key"
#: How long a shared cache (CDN, proxy) may keep a public query's answer: opening hours and
#: `openNow` stay close to the truth.
PUBLIC_MAX_AGE_S = 60
#: The GraphiQL page: its scripts and styles only from this app (npm packages, api/static/).
GRAPHIQL_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Codes of request errors with a status other than 400.
_STATUS_OF_CODE: dict[object, int] = {ApiErrorCode.SERVICE_BUSY: 503}
#: Errors without a path that come from running the operation: its `data` entry stays (null).
_EXECUTION_CODES = frozenset({ApiErrorCode.OPERATION_TIMEOUT})


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media_range.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: Sequence[tuple[str, float]]) -> tuple[float, int]:
    """The quality the most specific matching range gives a media type, and that specificity
    (2 named, 1 `application/*`, 0 `*/*`; -1 when nothing matches)."""
    best = (0.0, -1)
    kind = media_type.split("/")[0]
    for media_range, quality in ranges:
        specificity = (2 if media_range == media_type else 1 if media_range == f"{kind}/*"
                       else 0 if media_range == "*/*" else -1)
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def response_media_type(accept: str | None) -> str | None:
    """The media type of the answer to a request with this `Accept`: the one the client
    prefers; application/json when the header is absent or only wildcards match (legacy
    clients), application/graphql-response+json when it is named as well as application/json
    at the same quality; None when neither is acceptable (406)."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _media_ranges(accept)
    choice, best = None, (0.0, -1, 0)
    for candidate in (GRAPHQL_RESPONSE, JSON):
        quality, specificity = _quality(candidate, ranges)
        if quality <= 0 or specificity < 0:
            continue
        # named alike: the spec's type; matched by wildcards alike: the legacy one
        preferred = candidate == (GRAPHQL_RESPONSE if specificity == 2 else JSON)
        key = (quality, specificity, 1 if preferred else 0)
        if key > best:
            choice, best = candidate, key
    return choice


def request_error_status(answer: Mapping[str, Any]) -> int | None:
    """The status of an answer that is a GraphQL request error (refused before it ran: no
    data, no error with a path): 400, 503 for SERVICE_BUSY; None for an operation that ran."""
    errors = answer.get("errors") or []
    if answer.get("data") is not None or not errors:
        return None
    codes = [(error.get("extensions") or {}).get("code") for error in errors]
    if any(error.get("path") for error in errors) or _EXECUTION_CODES.intersection(codes):
        return None
    statuses = {_STATUS_OF_CODE.get(code, 400) for code in codes}
    return min(statuses)  # a client's mistake (4xx) before the server's (5xx)


def cache_control(*, public: bool) -> str:
    """The Cache-Control of a GraphQL answer: shared caches may keep a public one briefly."""
    return f"public, max-age={PUBLIC_MAX_AGE_S}" if public else "no-store"


class Exchange(Response):
    """strawberry's sub-response of one request, with what its answer's headers depend on:
    the media type the client accepts and whether a shared cache may keep the answer."""

    negotiated: str = JSON
    public: bool = False


class GraphQLErrorResponse:
    """A GraphQL request error answered before GraphQL runs (401, 406, 413, 415, 429, 503…)
    in the media type the request accepts: as application/graphql-response+json without a
    data entry, as application/json with `"data": null` (the legacy shape)."""

    def __init__(self, status: int, errors: list[dict[str, Any]], *,
                 headers: Mapping[str, str] | None = None):
        self.status_code = status
        self.errors = errors
        self.headers = {"Vary": VARY, "Cache-Control": "no-store", **(headers or {})}

    def as_media_type(self, media_type: str) -> Response:
        """The answer encoded for one of the two media types."""
        body: dict[str, Any] = {"errors": self.errors}
        if media_type != GRAPHQL_RESPONSE:
            body = {"data": None, **body}
        return Response(orjson.dumps(body), status_code=self.status_code,
                        headers=self.headers, media_type=CONTENT_TYPES[media_type])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers in the media type the request prefers (application/json if none fits)."""
        media_type = response_media_type(Headers(scope=scope).get("accept")) or JSON
        await self.as_media_type(media_type)(scope, receive, send)


def json_error(status: int, code: StrEnum, message: str, *,
               headers: Mapping[str, str] | None = None,
               extra: Mapping[str, Any] | None = None) -> GraphQLErrorResponse:
    """One coded GraphQL error answered before GraphQL runs, as an HTTP answer of its own in
    the media type the request accepts."""
    return GraphQLErrorResponse(status, [{"message": message, "extensions": {
        "code": str(code), **(extra or {})}}], headers=headers)


#: The JSON body this request's first reader parsed (the request guard, api/hardening.py),
#: and what it parsed to: the compiled way and strawberry's decode_json take it instead of
#: parsing the same bytes again.
PARSED_BODY: ContextVar[tuple[bytes, Any] | None] = ContextVar("parsed_body", default=None)


def parse_json_body(body: bytes) -> Any:
    """A request body's JSON value, parsed once per request: by orjson, or what orjson refuses
    (NaN, integers over 64 bits...) as the standard library parses it; ValueError (or
    RecursionError) when it is not JSON."""
    found = PARSED_BODY.get()
    if found is not None and found[0] is body:
        return found[1]
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        value = json.loads(body)
    PARSED_BODY.set((body, value))
    return value


def parsed_body(data: str | bytes) -> tuple[bool, Any]:
    """(True, the value) when `data` is the very body this request already parsed."""
    found = PARSED_BODY.get()
    if found is not None and found[0] is data:
        return True, found[1]
    return False, None


def encoded_answer(data: object, *, limit: int) -> tuple[bytes, bool]:
    """An answer as compact UTF-8 (Vietnamese letters unescaped: smaller on slow links), and
    whether it is the answer itself: one over `limit` bytes (TOURISM_MAX_RESPONSE_BYTES) is
    replaced by a RESPONSE_TOO_LARGE error."""
    body = orjson.dumps(data)
    if len(body) <= limit:
        return body, True
    logging.getLogger("tourism.api").warning("answer of %d bytes refused (limit %d)",
                                             len(body), limit)
    return orjson.dumps({"data": None, "errors": [{
        "message": f"the answer is {len(body)} bytes, over the limit of {limit}: ask for "
                   "smaller pages (first) or fewer fields", "extensions": {
            "code": ApiErrorCode.RESPONSE_TOO_LARGE.value, "bytes": len(body),
            "limit": limit}}]}), False
