"""One place builds the app: Starlette with GraphQL, health, and (later) media and QR routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult

from accounts.permissions import Actor
from api.assets import asset_routes, store_origin
from api.auth.middleware import caller_of, make_auth_kit, request_protection
from api.console.app import Console
from api.context import Context
from api.cursors import Cursors
from api.db import (
    make_async_engine,
    make_session_factory,
    make_statement_sessions,
    pool_options,
)
from api.errors import ApiErrorCode, classify, is_unavailable
from api.hardening import within_time_limit
from api.loaders import make_loaders
from api.mailer import Mailer
from api.media_routes import media_routes
from api.media_store import store_for
from api.operations import reads_only
from api.outage import Unavailable, unavailable_headers
from api.qr_routes import QrRoutes
from api.schema import build_schema
from api.settings import Settings, get_settings
from api.tour_routes import tour_routes
from core.health import ping_database
from media.ingest import IngestWorker
from media.store import MediaStore

log = logging.getLogger("tourism.api")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed context and a session per request."""

    #: Tests may act as anyone without signing in; else the actor comes from the credential.
    actor_for: Callable[[Request], Actor] | None = None
    #: The local tiler (None in production: the store's upload event starts the tiler).
    ingest: IngestWorker | None = None

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 store: MediaStore,
                 read_sessions: async_sessionmaker[AsyncSession] | None = None):
        super().__init__(
            build_schema(production=settings.server.is_production),
            graphql_ide=None if settings.server.is_production else "graphiql",
            allow_queries_via_get=True,
        )
        self.settings = settings
        self.sessions = sessions
        self.read_sessions = read_sessions or sessions
        self.store = store
        self.cursors = Cursors(settings.auth.secret_key)
        self.auth = make_auth_kit(settings, self.read_sessions)

    def encode_json(self, data: object) -> bytes:
        """The answer as compact UTF-8 (Vietnamese letters unescaped: smaller on slow links);
        one over TOURISM_MAX_RESPONSE_BYTES is replaced by a RESPONSE_TOO_LARGE error."""
        body = orjson.dumps(data)
        limit = self.settings.limits.max_response_bytes
        if len(body) <= limit:
            return body
        log.warning("answer of %d bytes refused (limit %d)", len(body), limit)
        return orjson.dumps({"data": None, "errors": [{
            "message": f"the answer is {len(body)} bytes, over the limit of {limit}: ask for "
                       "smaller pages (first) or fewer fields", "extensions": {
                "code": ApiErrorCode.RESPONSE_TOO_LARGE.value, "bytes": len(body),
                "limit": limit}}]})

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
        trips), stopped with OPERATION_TIMEOUT past the time limit."""
        if (self.read_sessions is not self.sessions
                and isinstance(request_data, GraphQLRequestData)
                and reads_only(request_data.query or "", request_data.operation_name)):
            context.session = self.read_sessions()
            context.loaders = make_loaders(context.session)
        work = super().execute_operation(request, request_adapter, request_data, context,
                                         root_value, sub_response)
        result = await within_time_limit(work, seconds=self.settings.limits.operation_timeout_s,
                                         session=context.session)
        if any(is_unavailable(e.original_error) or (e.extensions or {}).get("code")
               == ApiErrorCode.SERVICE_UNAVAILABLE for e in getattr(result, "errors", None) or []):
            sub_response.status_code = 503
            sub_response.headers.update(unavailable_headers())
        return result

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket
                          ) -> Context:
        """A fresh session, loaders and language for one request."""
        session = self.sessions()
        caller = caller_of(request.scope)
        return Context(
            actor=self.actor_for(request) if self.actor_for and isinstance(request, Request)
            else caller.actor, caller=caller, auth=self.auth,
            session=session, settings=self.settings, cursors=self.cursors,
            loaders=make_loaders(session), store=self.store,
            accept_language=request.headers.get("accept-language"),
            request=request if isinstance(request, Request) else None,
            ingest=self.ingest.submit if self.ingest else None,
        )


def create_app(
    settings: Settings | None = None, *, engine: AsyncEngine | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    actor_for: Callable[[Request], Actor] | None = None,
) -> Starlette:
    """The service's ASGI app; engine and sessions may be given (tests, Lambda warm starts)."""
    settings = settings or get_settings()
    owns_engine = engine is None and sessions is None
    if engine is None:
        engine = make_async_engine(settings.db.url, pool_size=settings.db.pool_size,
                                   statement_timeout_ms=settings.db.statement_timeout_ms,
                                   spatialite_module=settings.db.spatialite_module,
                                   **pool_options(settings.db.pool))
    read_sessions = None if sessions else make_session_factory(
        engine.execution_options(isolation_level="AUTOCOMMIT"))
    sessions = sessions or make_session_factory(engine)
    store = store_for(settings)
    # in production node_modules is not packaged: the viewers' files come from the store
    from_store = settings.server.is_production
    graphql = GraphQLApp(settings, sessions, store, read_sessions)
    graphql.actor_for = actor_for
    ingest = None if settings.server.is_production else IngestWorker(sessions, store)
    graphql.ingest = ingest
    # a limiter's take and a batch of scan counts are one statement: autocommit sessions
    statement_sessions = sessions if read_sessions is None else make_statement_sessions(engine)
    qr = QrRoutes(sessions=sessions, store=store, settings=settings.qr,
                  trust_forwarded_for=settings.server.trust_forwarded_for,
                  statement_sessions=statement_sessions)

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
        if owns_engine:
            await engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *media_routes(store),
            *qr.routes,
            *console.routes(),
            *asset_routes(store=store if from_store else None),
            *tour_routes(sessions=sessions, store=store,
                         public_base_url=settings.server.public_base_url,
                         assets_origin=(lambda: store_origin(store)) if from_store else None),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=settings.server.cors_origins,
                               allow_methods=["GET", "POST"],
                               allow_headers=["content-type", "accept-language",
                                              "authorization", "x-api-key"]),
                    Middleware(Unavailable),  # a database outage is a 503 on every route
                    *request_protection(settings, sessions, graphql.auth.signer,
                                       statement_sessions)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.store = store
    app.state.qr = qr
    app.state.ingest = ingest
    return app
