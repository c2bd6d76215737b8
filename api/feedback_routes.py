"""Visitors' feedback over HTTP: `POST /feedback` (the no-script form of every /q page, with
its optional photo) and `GET /feedback/{tracking code}` (the visitor's tracking page), in the
visitor's language. Each client address has a bucket of submissions shared by every process
(TOURISM_FEEDBACK_PER_HOUR, _BURST); a refusal of any kind writes nothing."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message

from api.db import StatementSessions
from api.errors import ApiErrorCode
from api.feedback_tokens import FeedbackTokens
from api.pages import INTERFACE_LANGUAGES, interface_language, render
from api.ratelimit import TokenBuckets, client_address, too_many
from api.settings import FeedbackSettings
from core.errors import DomainError
from core.language import pick, request_chain
from core.time import LOCAL_TZ, as_utc, utcnow
from media.store import MediaStore
from qr.feedback import service as feedback
from qr.feedback.errors import FeedbackErrorCode
from qr.models import Channel

log = logging.getLogger("tourism.feedback")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
#: What a form holds besides its photo (text, contact, token…), at most.
FORM_OVERHEAD_BYTES = 64 * 1024
#: Tracking pages an address may open: a visitor checks often, a guesser is held off.
TRACK_PER_MINUTE, TRACK_BURST = 20.0, 30


def _headers() -> dict[str, str]:
    return {"Cache-Control": "no-store", "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Vary": "Accept-Language"}


class FeedbackRoutes:
    """The feedback form's route and the tracking page."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], store: MediaStore,
                 settings: FeedbackSettings, tokens: FeedbackTokens, public_base_url: str,
                 statement_sessions: StatementSessions | None = None,
                 trust_forwarded_for: bool = False):
        self.sessions = sessions
        self.store = store
        self.settings = settings
        self.tokens = tokens
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(public_base_url))
        self.trust_forwarded_for = trust_forwarded_for
        limit_sessions = statement_sessions or sessions
        self.submissions = TokenBuckets(sessions=limit_sessions,
                                        per_minute=settings.per_hour / 60, burst=settings.burst)
        self.lookups = TokenBuckets(sessions=limit_sessions, per_minute=TRACK_PER_MINUTE,
                                    burst=TRACK_BURST)

    @property
    def routes(self) -> list[Route]:
        """The form's route and the tracking page."""
        return [Route("/feedback", self.submit, methods=["POST"]),
                Route("/feedback/{code}", self.status, methods=["GET"])]

    def _address(self, request: Request) -> str:
        return client_address(request.scope, trust_forwarded_for=self.trust_forwarded_for)

    def _refused(self, lang: str, problem: str, status: int, values: dict[str, Any],
                 headers: dict[str, str] | None = None) -> HTMLResponse:
        code = str(values.get("code", ""))[:32]
        html = render("qr/feedback_refused.html", lang=lang, problem=problem,
                      data={"code": code}, feedback_open=True, feedback_values=values,
                      feedback_max_chars=self.settings.max_text_chars,
                      feedback_token=self.tokens.issue(code) if code else "")
        return HTMLResponse(html, status_code=status, headers={**_headers(), **(headers or {})})

    async def _body(self, request: Request) -> bytes | None:
        """The request's body, or None past the largest form accepted."""
        cap = self.settings.max_photo_bytes + FORM_OVERHEAD_BYTES
        if int(request.headers.get("content-length") or 0) > cap:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def submit(self, request: Request) -> Response:
        """Records the form's feedback and sends the visitor to its tracking page; a refusal
        (limit, size, token, any check) shows the form again and writes nothing."""
        chain = request_chain(lang=None, headers=request.headers)
        lang = interface_language(chain)
        wait = await self.submissions.take(f"feedback:{self._address(request)}")
        if wait > 0:
            return self._refused(lang, ApiErrorCode.RATE_LIMITED, 429, {},
                                 too_many(wait, "client")[1])
        body = await self._body(request)
        if body is None:
            return self._refused(lang, ApiErrorCode.PAYLOAD_TOO_LARGE, 413, {})

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        photo = None
        async with Request(request.scope, replay).form(
                max_files=1, max_fields=10, max_part_size=FORM_OVERHEAD_BYTES) as form:
            values = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("photo")
            if upload is not None and not isinstance(upload, str) and upload.filename:
                photo = feedback.PhotoBytes(await upload.read(), upload.content_type or "")
        if values.get("lang") in INTERFACE_LANGUAGES:
            lang = values["lang"]
        origin = request.headers.get("origin")
        code = values.get("code", "")
        if (origin not in (None, "null", self.origin, f"{request.url.scheme}://"
                           f"{request.url.netloc}")
                or not self.tokens.valid(values.get("form", ""), code)):
            return self._refused(lang, FeedbackErrorCode.FEEDBACK_FORM_EXPIRED, 403, values)
        submission = feedback.Submission(
            code=code, category=values.get("category", ""), text=values.get("text", ""),
            lang=lang, channel=Channel.WEB, contact=values.get("contact"), photo=photo)
        async with self.sessions() as session:
            try:
                item = await feedback.submit_feedback(
                    session=session, store=self.store, submission=submission,
                    now=utcnow(), max_text_chars=self.settings.max_text_chars,
                    max_photo_bytes=self.settings.max_photo_bytes)
            except DomainError as exc:
                await session.rollback()
                log.info("feedback refused: %s", exc.code)
                return self._refused(lang, str(exc.code), 400, values)
            tracking = item.tracking_code
            await session.commit()
        return RedirectResponse(f"/feedback/{quote(tracking)}?lang={quote(lang)}&sent=1",
                                status_code=303, headers=_headers())

    async def status(self, request: Request) -> Response:
        """The tracking page: status and answer in the visitor's language (the one they wrote
        from, unless `?lang=` asks for another)."""
        chain = request_chain(lang=request.query_params.get("lang"), headers=request.headers)
        wait = await self.lookups.take(f"feedback-track:{self._address(request)}")
        if wait > 0:
            return HTMLResponse(render("qr/problem.html", lang=interface_language(chain),
                                       problem="busy"), status_code=429,
                                headers={**_headers(), **too_many(wait, "client")[1]})
        async with self.sessions() as session:
            item = await feedback.track(session=session, code=request.path_params["code"])
        if item is None:
            return HTMLResponse(render("qr/feedback_missing.html",
                                       lang=interface_language(chain)),
                                status_code=404, headers=_headers())
        asked = request.query_params.get("lang")
        lang = interface_language([asked] if asked else [item.lang, *chain])
        name = pick(item.destination.name, (lang, "en", "vi"))
        received = as_utc(item.received_at).astimezone(LOCAL_TZ)
        html = render("qr/feedback_status.html", lang=lang, item=item,
                      place=name.text if name else item.destination.slug,
                      place_lang=name.lang if name else lang,
                      received=received.strftime("%Y-%m-%d %H:%M"),
                      received_iso=received.isoformat(timespec="minutes"),
                      sent=request.query_params.get("sent") == "1")
        return HTMLResponse(html, headers=_headers())
