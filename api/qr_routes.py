"""`GET /q/{code}`: the scan of a printed QR code, as a page for browsers or JSON for the app.

Each scan is in the database before its answer is sent (api/usage_counter.py: concurrent
scans, plays and views share one statement); each client address has a token bucket shared
by every process, sized for a tour group on one Wi-Fi (README, Limits of the public API),
which this process leases tokens of (api/ratelimit.py): a busy address costs a statement per
lease, not per scan;
a resolved answer is kept for `cache_seconds` (staff changes clear it at once in this process).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.db import StatementSessions
from api.errors import ApiErrorCode
from api.feedback_tokens import FeedbackTokens
from api.qr_page import Page, render_page, render_problem, scan_data
from api.ratelimit import LEASE_SECONDS, LEASE_TOKENS, TokenBuckets, client_address, too_many
from api.settings import QrSettings
from api.usage_counter import UsageCounter, request_channel
from core.language import request_chain
from core.time import local_day
from media.store import MediaStore
from qr.errors import QrErrorCode
from qr.models import UsageKind
from qr.service import resolve_scan
from qr.usage import UsageKey

log = logging.getLogger("tourism.qr")
CSP = ("default-src 'none'; style-src 'self'; media-src 'self' https: http:; "
       "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(slots=True)
class Resolved:
    """A cached resolution of a code in a language chain."""

    expires: float
    page: Page | None
    qr_code_id: int
    target_id: int
    destination_id: int
    html: bytes | None = None
    json: bytes | None = None


def _wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    best_json, best_html = 0.0, 0.0
    for item in request.headers.get("accept", "").split(",")[:20]:
        media, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.strip() == "application/json":
            best_json = max(best_json, quality)
        elif media.strip() in ("text/html", "*/*", "text/*"):
            best_html = max(best_html, quality if media.strip() == "text/html" else quality / 2)
    return best_json > best_html


def _chain(request: Request) -> tuple[str, ...]:
    return request_chain(lang=request.query_params.get("lang"), headers=request.headers)


class QrRoutes:
    """The scan endpoint with its limiter, counter buffer and short cache."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], store: MediaStore,
                 settings: QrSettings | None = None, trust_forwarded_for: bool = False,
                 statement_sessions: StatementSessions | None = None,
                 counter: UsageCounter | None = None,
                 feedback_tokens: FeedbackTokens | None = None):
        self.settings = settings or QrSettings()
        self.feedback_tokens = feedback_tokens
        self.sessions = sessions
        self.store = store
        self.trust_forwarded_for = trust_forwarded_for
        statement_sessions = statement_sessions or sessions
        self.limiter = TokenBuckets(sessions=statement_sessions,
                                    per_minute=self.settings.rate_per_minute,
                                    burst=self.settings.burst, lease_tokens=LEASE_TOKENS,
                                    lease_seconds=LEASE_SECONDS)
        self.counter = counter or UsageCounter(statement_sessions)
        self.cache: OrderedDict[tuple[str, tuple[str, ...]], Resolved] = OrderedDict()

    @property
    def routes(self) -> list[Route]:
        """The scan route."""
        return [Route("/q/{code}", self.scan, methods=["GET", "HEAD"])]

    def clear_cache(self) -> None:
        """Forgets every cached resolution (after a staff change)."""
        self.cache.clear()

    async def close(self) -> None:
        """Waits for the scan counts being written (at shutdown)."""
        await self.counter.close()

    async def _resolve(self, code: str, chain: tuple[str, ...]) -> Resolved:
        key = (code.upper(), chain)
        now = time.monotonic()
        cached = self.cache.get(key)
        if cached is not None and cached.expires > now:
            return cached
        async with self.sessions() as session:
            view = await resolve_scan(session=session, code=code)
            page = scan_data(view, chain, self.store) if view is not None else None
        resolved = Resolved(expires=now + self.settings.cache_seconds, page=page,
                            qr_code_id=view.qr.id if view else 0,
                            target_id=(view.qr.target_id or 0) if view else 0,
                            destination_id=view.destination.id if view else 0)
        if self.settings.cache_seconds > 0:
            self.cache[key] = resolved
            while len(self.cache) > 5000:
                self.cache.popitem(last=False)
        return resolved

    async def scan(self, request: Request) -> Response:
        """Counts the scan and answers with the page or the JSON."""
        wants_json = _wants_json(request)
        chain = _chain(request)
        client = client_address(request.scope, trust_forwarded_for=self.trust_forwarded_for)
        headers = {"Vary": "Accept, Accept-Language, X-Tourism-Language",
                   "Cache-Control": "no-store", "Content-Security-Policy": CSP,
                   "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        wait = await self.limiter.take(f"qr:{client}")
        if wait > 0:
            headers.update(too_many(wait, "client")[1])
            if wants_json:
                return JSONResponse({"code": ApiErrorCode.RATE_LIMITED}, status_code=429,
                                    headers=headers)
            return HTMLResponse(render_problem(chain, busy=True), status_code=429,
                                headers=headers)
        code = request.path_params["code"]
        resolved = await self._resolve(code, chain) if len(code) <= 32 else None
        if resolved is None or resolved.page is None:
            if wants_json:
                return JSONResponse({"code": QrErrorCode.QR_CODE_NOT_FOUND,
                                     "message": "no such QR code"}, status_code=404,
                                    headers=headers)
            return HTMLResponse(render_problem(chain), status_code=404, headers=headers)
        page = resolved.page
        if request.method == "GET":  # in the database before the answer leaves
            await self.counter.count(UsageKey(
                day=local_day(), kind=UsageKind.SCAN, destination_id=resolved.destination_id,
                target_kind=page.data["target"]["kind"], target_id=resolved.target_id,
                qr_code_id=resolved.qr_code_id, lang=chain[0].split("-")[0],
                channel=request_channel(request, app=wants_json)))
        if wants_json:
            if resolved.json is None:
                resolved.json = json.dumps(page.data, ensure_ascii=False).encode()
            return Response(resolved.json, media_type="application/json", headers=headers)
        if resolved.html is None:
            resolved.html = render_page(page, feedback_token=self.feedback_tokens.issue(
                page.data["code"]) if self.feedback_tokens else "").encode()
        return HTMLResponse(resolved.html, headers=headers)
