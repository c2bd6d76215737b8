"""When the database cannot be reached: 503 with SERVICE_UNAVAILABLE and Retry-After on every
route (a GraphQL error in the body for the API, a friendly page in the visitor's language for
the QR pages), never a 500 or a 200 that hides the outage."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers, QueryParams
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import UNAVAILABLE, ApiErrorCode, is_unavailable
from api.graphql_http import GraphQLErrorResponse, json_error
from core.language import request_chain

log = logging.getLogger("tourism.api")
RETRY_AFTER_S = 5


def unavailable_headers() -> dict[str, str]:
    """The headers of every 503 answer."""
    return {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}


def unavailable_response(scope: Scope) -> Response | GraphQLErrorResponse:
    """The 503 answer for a request: a GraphQL error in the media type the request accepts
    for the API, a page for a person."""
    headers = Headers(scope=scope)
    if scope["path"].startswith("/q/") and "json" not in headers.get("accept", ""):
        from api.qr_page import render_unavailable

        chain = request_chain(lang=QueryParams(scope.get("query_string", b"")).get("lang"),
                              headers=headers)
        return HTMLResponse(render_unavailable(chain), status_code=503,
                            headers=unavailable_headers())
    return json_error(503, ApiErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE,
                         headers=unavailable_headers())


class Unavailable:
    """Answers 503 when a route fails because the database cannot be reached."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Runs the route; a database outage before the answer started becomes a 503."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started or not is_unavailable(exc):
                raise
            log.warning("database unavailable (%s): 503 for %s", type(exc).__name__,
                        scope["path"])
            await unavailable_response(scope)(scope, receive, send)
