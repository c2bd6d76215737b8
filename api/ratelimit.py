"""Rate limits per client address and per account or API key: token buckets shared by every
process through the database (accounts/throttle.py), and an ASGI middleware answering 429
with Retry-After and a JSON error code a client can act on.

Three Lambda containers draw on the same buckets, so a client gets its burst once, not once
per container; API Gateway's throttling (serverless.yml) is the global ceiling in front."""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from accounts import throttle
from api.db import StatementSessions
from api.errors import ApiErrorCode
from api.hardening import json_error

log = logging.getLogger("tourism.api")

#: Media files (panorama tiles come by the hundred) and the health check are not counted;
#: the scan route has its own bucket per client (TOURISM_QR_*, api/qr_routes.py).
EXEMPT_PREFIXES = ("/media/", "/healthz", "/q/")
#: How often a process deletes the rows of buckets that are full again.
PRUNE_SECONDS = 300.0


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `per_minute` a minute, kept in the
    database. A refusal is remembered in this process until the bucket could hold the cost
    again: memory only ever refuses what the database would refuse (the other processes can
    only have taken more), so it never lets more than the burst through."""

    def __init__(self, *, sessions: StatementSessions, per_minute: float,
                 burst: int, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.sessions = sessions
        self.bucket = throttle.Bucket(per_minute=per_minute, burst=burst)
        self.max_keys = max_keys
        self.clock = clock
        self._refused: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._pruned = clock()

    def _remembered_wait(self, key: str, cost: float) -> float:
        """Seconds to wait by what this process last saw of a refused key (0: ask)."""
        seen = self._refused.get(key)
        if seen is None:
            return 0.0
        tokens, at = seen
        tokens = min(float(self.bucket.burst), tokens + (self.clock() - at) *
                     self.bucket.per_second)
        if tokens >= cost:
            del self._refused[key]
            return 0.0
        return (cost - tokens) / self.bucket.per_second

    async def take(self, key: str, cost: float = 1.0, *, session: AsyncSession | None = None
                   ) -> float:
        """0 when the key may go on (a token is taken), else the seconds until it may; the
        take is committed on `session` when one is given (what it holds is committed too),
        else on a session of its own. When the database cannot be reached the request goes
        on (it will fail there anyway)."""
        wait = self._remembered_wait(key, cost)
        if wait > 0:
            return wait
        prune = self.clock() - self._pruned >= PRUNE_SECONDS
        try:
            async with _session_for(self.sessions, session) as use:
                taken = await throttle.take(session=use, bucket=self.bucket, key=key, cost=cost)
                if prune:
                    self._pruned = self.clock()
                    await throttle.prune(session=use)
                await use.commit()
        except Exception as exc:
            log.warning("rate limit not checked (%s): %s", type(exc).__name__, exc)
            return 0.0
        if taken.granted:
            return 0.0
        self._refused[key] = (taken.tokens, self.clock())
        self._refused.move_to_end(key)
        while len(self._refused) > self.max_keys:
            self._refused.popitem(last=False)
        return taken.retry_after if taken.retry_after > 0 else 1.0 / self.bucket.per_second

    async def forget(self, key: str, *, session: AsyncSession | None = None) -> None:
        """Fills a key's bucket again (a successful sign-in clears its failures): on `session`
        uncommitted when one is given, else committed on a session of its own."""
        self._refused.pop(key, None)
        if session is not None:
            await throttle.forget(session=session, key=key)
            return
        async with self.sessions() as own:
            await throttle.forget(session=own, key=key)
            await own.commit()


@asynccontextmanager
async def _session_for(sessions: StatementSessions,
                       given: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    if given is not None:
        yield given
        return
    async with sessions() as own:
        yield own


def client_address(scope: Scope, *, trust_forwarded_for: bool) -> str:
    """The caller's address: the socket peer, or the first X-Forwarded-For hop when trusted."""
    if trust_forwarded_for:
        forwarded = Headers(scope=scope).get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def account_key(scope: Scope) -> str | None:
    """The account or API key a request was authenticated as (set by Authentication)."""
    caller = scope.get("state", {}).get("caller")
    if caller is None:
        return None
    if caller.api_key_id is not None:
        return f"key:{caller.api_key_id}"
    return f"account:{caller.actor.account_id}" if caller.actor.account_id is not None else None


def too_many(retry_after: float, which: str) -> tuple[int, dict[str, str], str]:
    """(seconds to announce, headers, message) of a 429."""
    seconds = max(1, math.ceil(retry_after))
    return seconds, {"Retry-After": str(seconds)}, f"too many requests per {which}: retry in " \
        f"{seconds} s"


class RateLimit:
    """Refuses a request with 429 when its key's bucket is empty."""

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets,
                 key_of: Callable[[Scope], str | None], which: str):
        self.app = app
        self.buckets = buckets
        self.key_of = key_of
        self.which = which

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Counts the request against its key, or answers 429."""
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        key = self.key_of(scope)
        wait = await self.buckets.take(f"{self.which}:{key}") if key is not None else 0.0
        if wait > 0:
            seconds, headers, message = too_many(wait, self.which)
            response = json_error(429, ApiErrorCode.RATE_LIMITED, message, headers=headers,
                                  extra={"retryAfter": seconds, "limit": self.which})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
