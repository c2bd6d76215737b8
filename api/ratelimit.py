"""Rate limits per client address and per account or API key: token buckets shared by every
process through the database (accounts/throttle.py), and an ASGI middleware answering 429
with Retry-After and a JSON error code a client can act on.

Three Lambda containers draw on the same buckets, so a client gets its burst once, not once
per container; API Gateway's throttling (serverless.yml) is the global ceiling in front.

A limiter may lease tokens: take several from the database at once and spend them in this
process, so that a busy key costs one statement per lease, not one per request. Every token
spent was taken from the shared bucket (a lease never grants what the bucket would refuse);
a leased token is spent within `lease_seconds` of its take or dropped, and a container holds
at most `lease_tokens - 1` of a key's tokens unspent (README, Limits of the public API)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

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
#: Tokens of a key's bucket a process takes at once at most (the scan limit, the GraphQL
#: limits per address and per account), and how long it may keep them unspent: at most
#: LEASE_TOKENS - 1 of a key's tokens wait in a container.
LEASE_TOKENS = 10
LEASE_SECONDS = 5.0


@dataclass(slots=True)
class _Lease:
    """Tokens this process took from a key's bucket ahead of the requests that spend them."""

    tokens: int
    expires: float
    #: How many the last lease asked for: doubled while the key keeps coming back.
    size: int


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `per_minute` a minute, kept in the
    database. A refusal is remembered in this process until the bucket could hold the cost
    again: memory only ever refuses what the database would refuse (the other processes can
    only have taken more), so it never lets more than the burst through.

    With `lease_tokens` above 1, a take of one token draws on a lease: the first request of a
    key takes 1 token from the database, and each time the key comes back for more within
    `lease_seconds` the lease doubles, up to `lease_tokens` (a visitor who scans once costs
    one token, a busy address one statement per `lease_tokens` requests). Requests that find
    a lease being fetched wait for it rather than asking too."""

    def __init__(self, *, sessions: StatementSessions, per_minute: float,
                 burst: int, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic,
                 lease_tokens: int = 1, lease_seconds: float = 5.0):
        self.sessions = sessions
        self.bucket = throttle.Bucket(per_minute=per_minute, burst=burst)
        self.max_keys = max_keys
        self.clock = clock
        self.lease_tokens = max(1, lease_tokens)
        self.lease_seconds = lease_seconds
        self._refused: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._leases: OrderedDict[str, _Lease] = OrderedDict()
        self._fetching: dict[str, asyncio.Future[None]] = {}
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
        if self.lease_tokens > 1 and cost == 1.0 and session is None:
            return await self._take_leased(key)
        return (await self._ask(key, cost=cost, most=1, session=session))[1]

    async def _take_leased(self, key: str) -> float:
        """A token from this process's lease of the key, fetched when it is spent."""
        while True:
            now = self.clock()
            lease = self._leases.get(key)
            if lease is not None and lease.tokens > 0 and lease.expires > now:
                lease.tokens -= 1
                return 0.0
            fetching = self._fetching.get(key)
            if fetching is not None:  # another request is asking: share its answer
                await asyncio.shield(fetching)
                wait = self._remembered_wait(key, 1.0)
                if wait > 0:
                    return wait
                continue
            hot = lease is not None and lease.expires > now  # spent within its time
            size = min(lease.size * 2, self.lease_tokens) if lease is not None and hot else 1
            done = asyncio.get_running_loop().create_future()
            self._fetching[key] = done
            try:
                granted, wait = await self._ask(key, cost=1.0, most=size, session=None)
            finally:
                del self._fetching[key]
                done.set_result(None)
            if wait > 0 or granted == 0:  # refused, or the database was not reached
                self._leases.pop(key, None)
                return wait
            self._leases[key] = _Lease(tokens=granted - 1,
                                       expires=self.clock() + self.lease_seconds, size=size)
            self._leases.move_to_end(key)
            while len(self._leases) > self.max_keys:
                self._leases.popitem(last=False)
            return 0.0

    async def _ask(self, key: str, *, cost: float, most: int, session: AsyncSession | None
                   ) -> tuple[int, float]:
        """(takes granted, seconds to wait) by the database: `cost` once, or up to `most`
        tokens of one (a lease); refusals are remembered."""
        prune = self.clock() - self._pruned >= PRUNE_SECONDS
        try:
            async with _session_for(self.sessions, session) as use:
                if most > 1:
                    granted, taken = await throttle.take_up_to(
                        session=use, bucket=self.bucket, key=key, most=most)
                else:
                    taken = await throttle.take(session=use, bucket=self.bucket, key=key,
                                                cost=cost)
                    granted = 1 if taken.granted else 0
                if prune:
                    self._pruned = self.clock()
                    await throttle.prune(session=use)
                await use.commit()
        except Exception as exc:
            log.warning("rate limit not checked (%s): %s", type(exc).__name__, exc)
            return 0, 0.0
        if granted:
            return granted, 0.0
        self._refused[key] = (taken.tokens, self.clock())
        self._refused.move_to_end(key)
        while len(self._refused) > self.max_keys:
            self._refused.popitem(last=False)
        return 0, (taken.retry_after if taken.retry_after > 0 else 1.0 / self.bucket.per_second)

    async def forget(self, key: str, *, session: AsyncSession | None = None) -> None:
        """Fills a key's bucket again (a successful sign-in clears its failures): on `session`
        uncommitted when one is given, else committed on a session of its own."""
        self._refused.pop(key, None)
        self._leases.pop(key, None)
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
