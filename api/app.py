"""One place builds the app: Starlette with GraphQL, health, and (later) media and QR routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from accounts.permissions import Actor
from api.assets import asset_routes, store_origin
from api.auth.middleware import caller_of, make_auth_kit, request_protection
from api.compiled import CompiledOperations
from api.console.app import Console
from api.context import Context
from api.counter_routes import counter_routes
from api.cursors import Cursors
from api.db import (
    make_async_engine,
    make_session_factory,
    make_statement_sessions,
    pool_options,
    row_reads_for,
)
from api.errors import ApiErrorCode, classify, is_unavailable
from api.feedback_routes import FeedbackRoutes
from api.feedback_tokens import FeedbackTokens
from api.graphql_http import (
    CONTENT_TYPES,
    GRAPHIQL_CSP,
    GRAPHQL_RESPONSE,
    JSON,
    VARY,
    Exchange,
    cache_control,
    encoded_answer,
    json_error,
    parsed_body,
    request_error_status,
    response_media_type,
)
from api.hardening import within_time_limit
from api.mailer import Mailer
from api.media_routes import media_routes
from api.media_store import store_for
from api.operations import reads_only
from api.outage import Unavailable, unavailable_headers
from api.pages import render
from api.persisted import PersistedQueries, persisted_document
from api.play_routes import PlayRoutes
from api.qr_routes import QrRoutes
from api.schema import build_schema
from api.settings import Settings, get_settings
from api.tour_routes import tour_routes
from api.usage_counter import UsageCounter
from core.errors import DomainError
from core.health import ping_database
from core.row_reads import RowReads
from media.ingest import IngestWorker
from media.store import MediaStore

log = logging.getLogger("tourism.api")
#: What a browser client may send across origins (README, GraphQL over HTTP): the visitor's
#: language, the credentials, and what Apollo Client and urql add.
CORS_HEADERS = ["content-type", "accept", "accept-language", "x-tourism-language",
                "authorization", "x-api-key", "apollographql-client-name",
                "apollographql-client-version", "apollo-require-preflight",
                "graphql-require-preflight"]


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed context and a session per request."""

    #: Tests may act as anyone without signing in; else the actor comes from the credential.
    actor_for: Callable[[Request], Actor] | None = None
    #: The local tiler (None in production: the store's upload event starts the tiler).
    ingest: IngestWorker | None = None

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 store: MediaStore,
                 read_sessions: async_sessionmaker[AsyncSession] | None = None,
                 row_reads: RowReads | None = None):
        super().__init__(
            build_schema(production=settings.server.is_production,
                         fast_path=settings.server.graphql_fast_path),
            graphql_ide=None if settings.server.is_production else "graphiql",
            allow_queries_via_get=True,
        )
        self.settings = settings
        self.sessions = sessions
        self.read_sessions = read_sessions or sessions
        self.row_reads = row_reads  # the hot reads' rows on PostgreSQL (core.row_reads)
        self.store = store
        self.cursors = Cursors(settings.auth.secret_key)
        self.auth = make_auth_kit(settings, self.read_sessions)
        self.persisted = PersistedQueries()
        self.compiled = CompiledOperations(
            self.schema._schema, cost_budget=settings.limits.max_query_cost,  # type: ignore[attr-defined]
            seconds=settings.limits.operation_timeout_s) if settings.server.graphql_fast_path \
            else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers a request: 406 when it accepts neither GraphQL media type, and what
        strawberry refuses as plain text becomes a coded GraphQL error (405 for a mutation
        sent as GET)."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        response: Any
        try:
            if (response_media_type(request.headers.get("accept")) is None
                    and not self.should_render_graphql_ide(self.request_adapter_class(request))):
                response = json_error(406, ApiErrorCode.NOT_ACCEPTABLE, "accept "
                                         f"{GRAPHQL_RESPONSE} or {JSON}")
            else:
                response = (self.compiled and await self.compiled.respond(
                    request, self.context_of, opener=self.read_sessions,
                    max_bytes=self.settings.limits.max_response_bytes)) or await self.run(request)
        except HTTPException as refused:
            if isinstance(refused.__cause__, InvalidOperationTypeError):
                response = json_error(405, ApiErrorCode.METHOD_NOT_ALLOWED, refused.reason,
                                         headers={"Allow": "POST"})
            else:
                response = json_error(refused.status_code, ApiErrorCode.BAD_REQUEST,
                                         refused.reason)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's GET without an operation (development only)."""
        return (self.graphql_ide is not None and request.method == "GET"
                and request.query_params.get("query") is None
                and request.query_params.get("extensions") is None
                and "text/html" in request.headers.get("accept", ""))

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL's page, its code served by this app from npm packages (never a CDN)."""
        return render("graphiql.html", lang="en")

    async def render_graphql_ide(self, request: Request) -> Response:
        """The GraphiQL page with a CSP that admits only this app's scripts."""
        return HTMLResponse(self.graphql_ide_html, headers={
            "Content-Security-Policy": GRAPHIQL_CSP, "Cache-Control": "no-cache",
            "Vary": "Accept"})

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """The request's sub-response, knowing the media type the client accepts and whether
        its answer may be public (a GET without credentials)."""
        exchange = Exchange()
        exchange.status_code = None  # type: ignore[assignment]  # strawberry's "not set"
        del exchange.headers["content-length"]
        exchange.negotiated = response_media_type(request.headers.get("accept")) or JSON
        exchange.public = (request.scope.get("method") == "GET" and self.actor_for is None
                           and "authorization" not in request.headers
                           and "x-api-key" not in request.headers)
        return exchange

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """strawberry's reading of the request, refusing an operationName that is no string."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name,
                                                                  str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string "
                                     "or null, if provided.")
        return data

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Any,
                             context: Context, root_value: None,
                             request_data: GraphQLRequestData) -> ExecutionResult:
        """One operation; one the document does not single out (an unknown operationName,
        several operations and no name) is a request error of the answer, not plain text."""
        try:
            return await super().execute_single(request, request_adapter, sub_response,
                                                context, root_value, request_data)
        except HTTPException as refused:
            if not isinstance(refused.__cause__, CannotGetOperationTypeError):
                raise
            return ExecutionResult(data=None, errors=[GraphQLError(
                refused.reason, extensions={"code": ApiErrorCode.BAD_REQUEST.value})])

    def _encoded(self, data: object) -> tuple[bytes, bool]:
        return encoded_answer(data, limit=self.settings.limits.max_response_bytes)

    def decode_json(self, data: str | bytes) -> object:
        """A request's JSON, parsed once: the body the request guard parsed is not parsed
        again (api/graphql_http.parse_json_body); anything else as strawberry parses it."""
        known, value = parsed_body(data)
        return value if known else super().decode_json(data)

    def encode_json(self, data: object) -> bytes:
        """The answer as compact UTF-8, within TOURISM_MAX_RESPONSE_BYTES."""
        return self._encoded(data)[0]

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        """The answer in the negotiated media type: as application/graphql-response+json a
        request error has no data entry and a 4xx (or 503) status; a public query answered
        without errors may be kept by shared caches for a minute."""
        negotiated = getattr(sub_response, "negotiated", JSON)
        status = None
        if negotiated == GRAPHQL_RESPONSE and isinstance(response_data, dict):
            status = request_error_status(response_data)
            if status is not None:
                response_data = {k: v for k, v in response_data.items()  # type: ignore[assignment]
                                 if k != "data"}
        body, whole = self._encoded(response_data)
        response = Response(body, status_code=sub_response.status_code or status or 200,
                            media_type=CONTENT_TYPES[negotiated])
        response.headers.raw.extend(sub_response.headers.raw)
        response.background = sub_response.background
        public = (getattr(sub_response, "public", False) and whole and response.status_code == 200
                  and isinstance(response_data, dict) and not response_data.get("errors"))
        response.headers.setdefault("Cache-Control", cache_control(public=public))
        if response.status_code == 503:
            response.headers.update(unavailable_headers())
        response.headers["Vary"] = VARY
        return response

    async def process_result(self, request: Request, result: ExecutionResult
                             ) -> GraphQLHTTPResponse:
        """The JSON answer; errors raised before execution (parse errors) get codes too."""
        if result.errors:
            result.errors = [classify(e, production=self.settings.server.is_production)
                             for e in result.errors]
        return process_result(result)

    async def execute_operation(self, request: Request, request_adapter: Any,
                                request_data: Any, context: Context, root_value: None,
                                sub_response: Any) -> Any:
        """The operation, on an autocommit session when it only reads (no BEGIN/ROLLBACK round
        trips), stopped with OPERATION_TIMEOUT past the time limit; a document known by its
        hash (automatic persisted queries) is looked up first, and kept once it has passed."""
        keep = False
        if isinstance(request_data, GraphQLRequestData):
            try:
                request_data.query, keep = persisted_document(
                    self.persisted, query=request_data.query, extensions=request_data.extensions)
            except DomainError as refused:
                return ExecutionResult(data=None, errors=[GraphQLError(
                    refused.message, extensions={"code": refused.code.value, **(
                        {"field": refused.field} if refused.field else {})})])
        if (self.read_sessions is not self.sessions
                and isinstance(request_data, GraphQLRequestData)
                and reads_only(request_data.query or "", request_data.operation_name)):
            context.opener = self.read_sessions
        work = super().execute_operation(request, request_adapter, request_data, context,
                                         root_value, sub_response)
        result = await within_time_limit(work, seconds=self.settings.limits.operation_timeout_s,
                                         opened=lambda: context.opened)
        if any(is_unavailable(e.original_error) or (e.extensions or {}).get("code")
               == ApiErrorCode.SERVICE_UNAVAILABLE for e in getattr(result, "errors", None) or []):
            sub_response.status_code = 503
            sub_response.headers.update(unavailable_headers())
        if (self.compiled is not None and isinstance(result, ExecutionResult)
                and not result.errors and isinstance(request_data, GraphQLRequestData)
                and request_data.query):
            self.compiled.learn(request_data.query, request_data.operation_name, context)
        if keep and isinstance(result, ExecutionResult) and request_error_status({
                "data": result.data, "errors": [e.formatted for e in result.errors or []]}) is None:
            self.persisted.keep(request_data.query)
        return result

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket
                          ) -> Context:
        """The context of one request: its session and loaders are made on first use."""
        return self.context_of(request)

    def context_of(self, request: Request | WebSocket) -> Context:
        """The context of one request (its session and loaders made on first use)."""
        caller = caller_of(request.scope)
        return Context(
            actor=self.actor_for(request) if self.actor_for and isinstance(request, Request)
            else caller.actor, caller=caller, auth=self.auth,
            opener=self.sessions, settings=self.settings, cursors=self.cursors,
            store=self.store,
            accept_language=request.headers.get("accept-language"),
            request=request if isinstance(request, Request) else None,
            ingest=self.ingest.submit if self.ingest else None, row_reads=self.row_reads,
        )


def create_app(
    settings: Settings | None = None, *, engine: AsyncEngine | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    actor_for: Callable[[Request], Actor] | None = None, row_reads: RowReads | None = None,
) -> Starlette:
    """The service's ASGI app; engine, sessions and the hot reads' reader of rows may be given
    (tests, Lambda warm starts)."""
    settings = settings or get_settings()
    owns_engine = engine is None and sessions is None
    if engine is None:
        engine = make_async_engine(settings.db.url, pool_size=settings.db.pool_size,
                                   statement_timeout_ms=settings.db.statement_timeout_ms,
                                   spatialite_module=settings.db.spatialite_module,
                                   **pool_options(settings.db.pool))
    read_sessions = None if sessions else make_session_factory(
        engine.execution_options(isolation_level="AUTOCOMMIT"))
    row_reads = row_reads or (None if sessions else row_reads_for(  # given sessions: no reader
        engine, size=settings.db.pool_size, statement_timeout_ms=settings.db.statement_timeout_ms))
    sessions = sessions or make_session_factory(engine)
    store = store_for(settings)
    # in production node_modules is not packaged: the viewers' files come from the store
    from_store = settings.server.is_production
    graphql = GraphQLApp(settings, sessions, store, read_sessions, row_reads)
    graphql.actor_for = actor_for
    ingest = None if settings.server.is_production else IngestWorker(sessions, store)
    graphql.ingest = ingest
    # a limiter's take and a batch of usage counts are one statement: autocommit sessions
    statement_sessions = sessions if read_sessions is None else make_statement_sessions(engine)
    counter = UsageCounter(statement_sessions)  # scans, plays and views share its batches
    feedback_tokens = FeedbackTokens.from_secret(settings.auth.secret_key,
                                                 max_age_s=settings.feedback.form_max_age_s)
    qr = QrRoutes(sessions=sessions, store=store, settings=settings.qr,
                  trust_forwarded_for=settings.server.trust_forwarded_for,
                  statement_sessions=statement_sessions, counter=counter,
                  feedback_tokens=feedback_tokens)
    plays = PlayRoutes(sessions=sessions, store=store, counter=counter,
                       cache_seconds=settings.qr.cache_seconds)
    feedback = FeedbackRoutes(sessions=sessions, store=store, settings=settings.feedback,
                              tokens=feedback_tokens,
                              public_base_url=settings.server.public_base_url,
                              statement_sessions=statement_sessions,
                              trust_forwarded_for=settings.server.trust_forwarded_for)

    console = Console(sessions=sessions, kit=graphql.auth, secret_key=settings.auth.secret_key,
                      secure_cookies=settings.server.is_production,
                      mailer=Mailer(settings.mail),
                      public_base_url=settings.server.public_base_url, store=store,
                      media_origin=store_origin(store) if from_store else "")

    async def healthz(request: Request) -> Response:
        try:
            async with sessions() as session:
                await ping_database(session=session)
        except Exception as exc:
            if not is_unavailable(exc):
                log.exception("health check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503,
                                headers=unavailable_headers())
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if ingest is not None:
            ingest.submit_sweep()  # what a stopped server left PENDING
        yield
        if ingest is not None:
            await ingest.close()
        await qr.close()
        if row_reads is not None:
            await row_reads.close()
        if owns_engine:
            await engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *media_routes(store),
            *qr.routes,
            *plays.routes,
            *feedback.routes,
            *counter_routes(sessions=sessions),
            *console.routes(),
            *asset_routes(store=store if from_store else None),
            *tour_routes(sessions=sessions, store=store,
                         public_base_url=settings.server.public_base_url,
                         assets_origin=(lambda: store_origin(store)) if from_store else None,
                         counter=counter),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=settings.server.cors_origins,
                               allow_methods=["GET", "POST"], allow_headers=CORS_HEADERS,
                               expose_headers=["Retry-After"], max_age=600),
                    Middleware(Unavailable),  # a database outage is a 503 on every route
                    *request_protection(settings, sessions, graphql.auth.signer,
                                       statement_sessions)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graphql = graphql
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.store = store
    app.state.qr = qr
    app.state.plays = plays
    app.state.feedback = feedback
    app.state.ingest = ingest
    return app
