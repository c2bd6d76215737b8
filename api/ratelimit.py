"""Rate limits per client address and per account or API key: token buckets in memory, and
an ASGI middleware answering 429 with Retry-After and a JSON error code a client can act on.

Buckets live in one process (one Lambda container): the global ceiling is API Gateway's
throttling (serverless.yml), these limits keep one client from starving the others."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiErrorCode
from api.hardening import json_error

#: Media files (panorama tiles come by the hundred) and the health check are not counted.
EXEMPT_PREFIXES = ("/media/", "/healthz")


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `per_minute` a minute."""

    def __init__(self, *, per_minute: float, burst: int, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0 when the key may go on (a token is taken), else the seconds until it may."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self.rate if self.rate > 0 else 3600.0

    def keys(self) -> list[str]:
        """The keys that have a bucket, least recently served first."""
        return list(self._buckets)

    def forget(self, key: str) -> None:
        """Drops a key's bucket (a successful sign-in clears its failures)."""
        self._buckets.pop(key, None)


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
        wait = self.buckets.take(f"{self.which}:{key}") if key is not None else 0.0
        if wait > 0:
            seconds, headers, message = too_many(wait, self.which)
            response = json_error(429, ApiErrorCode.RATE_LIMITED, message, headers=headers,
                                  extra={"retryAfter": seconds, "limit": self.which})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
