"""Who is calling: the actor of a request from its `Authorization: Bearer <JWT>` access token
or its `X-Api-Key` (kiosks and partner apps, read-only); a bad credential is a 401."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from accounts.errors import AuthError, AuthErrorCode
from accounts.permissions import ANONYMOUS, Actor, Role
from accounts.service import Caller, caller_for_access_token, caller_for_api_key
from accounts.tokens import TokenSigner
from api.db import StatementSessions
from api.hardening import RequestGuard, json_error
from api.ratelimit import (
    LEASE_SECONDS,
    LEASE_TOKENS,
    RateLimit,
    TokenBuckets,
    account_key,
    client_address,
)
from api.settings import Settings
from core.time import utcnow
from geo.listings.owners import owned_destination_ids

ANONYMOUS_CALLER = Caller(actor=ANONYMOUS)


def caller_of(scope: Scope) -> Caller:
    """The caller Authentication found for a request (anonymous when none)."""
    caller: Caller = scope.get("state", {}).get("caller", ANONYMOUS_CALLER)
    return caller


def actor_of(scope: Scope) -> Actor:
    """The actor of a request (anonymous when it carried no credential)."""
    return caller_of(scope).actor


class Authentication:
    """Resolves the credential of a GraphQL request into `scope["state"]["caller"]`."""

    def __init__(self, app: ASGIApp, *, sessions: async_sessionmaker[AsyncSession],
                 signer: TokenSigner, path: str = "/graphql"):
        self.app = app
        self.sessions = sessions
        self.signer = signer
        self.path = path

    async def _caller(self, authorization: str | None, api_key: str | None) -> Caller:
        async with self.sessions() as session:
            if authorization is not None:
                scheme, _, token = authorization.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise AuthError(AuthErrorCode.INVALID_TOKEN,
                                    "use Authorization: Bearer <access token>")
                caller = await caller_for_access_token(session=session, signer=self.signer,
                                                       token=token.strip(), now=utcnow())
                if caller.actor.role != Role.OWNER or caller.actor.account_id is None:
                    return caller
                owned = await owned_destination_ids(session=session,
                                                    account_id=caller.actor.account_id)
                return replace(caller, actor=replace(caller.actor, destination_ids=owned))
            assert api_key is not None
            caller = await caller_for_api_key(session=session, key=api_key.strip())
            if caller.actor.role == Role.COUNTER:  # least privilege: it only posts counts
                raise AuthError(AuthErrorCode.FORBIDDEN, "a counter key only posts its site's "
                                "counts, at POST /counters/{site}")
            return caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Adds the caller to the request's state, or answers 401 with the failure's code."""
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        authorization, api_key = headers.get("authorization"), headers.get("x-api-key")
        if authorization is None and api_key is None:
            await self.app(scope, receive, send)
            return
        try:
            caller = await self._caller(authorization, api_key)
        except AuthError as exc:
            challenge = ('Bearer error="invalid_token"' if authorization is not None
                         else 'ApiKey error="invalid_key"')
            response = json_error(exc.http_status, exc.code, exc.message,
                                  headers={"WWW-Authenticate": challenge})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


@dataclass(frozen=True, slots=True)
class AuthKit:
    """What the account mutations need from the app: the token signer and sign-in limits."""

    signer: TokenSigner
    #: sign-in attempts per (client address, e-mail): the configured number per 15 minutes
    login_failures: TokenBuckets
    #: and per e-mail from everywhere: a ceiling of ACCOUNT_CEILING × that, refilled over a day
    account_failures: TokenBuckets
    refresh_ttl_s: int
    trust_forwarded_for: bool = False


#: How many times the per-address allowance one e-mail may fail from all addresses together.
ACCOUNT_CEILING = 10


def make_auth_kit(settings: Settings, sessions: StatementSessions) -> AuthKit:
    """The app's AuthKit for its settings; the sign-in throttle is kept through `sessions`
    (in the database, shared by every process)."""
    failures = settings.limits.login_failures_per_15_min
    return AuthKit(
        signer=TokenSigner(settings.auth.secret_key, access_ttl_s=settings.auth.access_token_ttl_s),
        login_failures=TokenBuckets(sessions=sessions, per_minute=failures / 15, burst=failures),
        account_failures=TokenBuckets(sessions=sessions,
                                      per_minute=ACCOUNT_CEILING * failures / (24 * 60),
                                      burst=ACCOUNT_CEILING * failures),
        trust_forwarded_for=settings.server.trust_forwarded_for,
        refresh_ttl_s=settings.auth.refresh_token_ttl_s,
    )


def request_protection(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                       signer: TokenSigner,
                       limit_sessions: StatementSessions | None = None
                       ) -> list[Middleware]:
    """The middleware between CORS and the routes, outermost first: the per-client rate limit,
    size and type checks, authentication, then the per-account (or API key) rate limit; the
    buckets are kept through `limit_sessions` (autocommit ones: a take is one statement)."""
    limit_sessions = limit_sessions or sessions
    # leased: a busy client costs a statement per LEASE_TOKENS requests, not one per request
    per_client = TokenBuckets(sessions=limit_sessions, per_minute=settings.limits.client_per_minute,
                              burst=settings.limits.client_burst, lease_tokens=LEASE_TOKENS,
                              lease_seconds=LEASE_SECONDS)
    per_account = TokenBuckets(sessions=limit_sessions,
                               per_minute=settings.limits.account_per_minute,
                               burst=settings.limits.account_burst, lease_tokens=LEASE_TOKENS,
                               lease_seconds=LEASE_SECONDS)
    trust = settings.server.trust_forwarded_for
    return [
        Middleware(RateLimit, buckets=per_client, which="client",
                   key_of=lambda scope: client_address(scope, trust_forwarded_for=trust)),
        Middleware(RequestGuard, max_body_bytes=settings.limits.max_body_bytes),
        Middleware(Authentication, sessions=sessions, signer=signer),
        Middleware(RateLimit, buckets=per_account, which="account", key_of=account_key),
    ]
