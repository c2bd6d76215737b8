"""The console at /console: who is signed in, sign-in and sign-out, the home page, and the
routes of its sections. Every action goes through the areas' services, as GraphQL does."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import NamedTuple
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from accounts import service as auth_service
from accounts.errors import AuthError, AuthErrorCode
from accounts.permissions import Role
from accounts.service import Caller
from api.auth.middleware import AuthKit
from api.auth.sign_in import throttled_login
from api.console.guard import (
    CSRF_FIELD,
    LANG_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    CookieSigner,
    new_nonce,
)
from api.console.render import View, page, see_other
from api.console.words import LANGUAGES, console_language
from api.mailer import Mailer, MailError
from api.ratelimit import client_address
from core.time import utcnow
from geo.listings.owners import owned_destination_ids
from media.store import MediaStore

log = logging.getLogger("tourism.console")
#: The largest form the console reads (its uploads go straight to the store).
MAX_FORM_BYTES = 64 * 1024


class Posted(NamedTuple):
    """A staff member's form whose CSRF token holds."""

    view: View
    fields: dict[str, str]


class Console:
    """The console's shared parts: sessions, the sign-in kit, the cookie signer."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], kit: AuthKit,
                 secret_key: str, secure_cookies: bool, mailer: Mailer, public_base_url: str,
                 store: MediaStore, media_origin: str = ""):
        self.sessions = sessions
        self.kit = kit
        self.signer = CookieSigner.from_secret(secret_key, secure=secure_cookies)
        self.mailer = mailer
        self.store = store
        self.public_base_url = public_base_url.rstrip("/")
        self.media_origin = media_origin

    def routes(self) -> list[BaseRoute]:
        """The console's routes, mounted at /console."""
        from api.console import (
            accounts,
            destinations,
            feedback,
            listings,
            numbers,
            passwords,
            qr,
            report,
            review,
            stops,
            tours,
        )

        return [Mount("/console", routes=[
            Route("/", self.home, methods=["GET"]),
            Route("/sign-in", self.sign_in_form, methods=["GET"]),
            Route("/sign-in", self.sign_in, methods=["POST"]),
            Route("/sign-out", self.sign_out, methods=["POST"]),
            Route("/language", self.language, methods=["POST"]),
            *destinations.routes(self),
            *passwords.routes(self),
            *accounts.routes(self),
            *review.routes(self),
            *listings.routes(self),
            *qr.routes(self),
            *numbers.routes(self),
            *report.routes(self),
            *feedback.routes(self),
            *tours.routes(self),
            *stops.routes(self),
        ])]

    # -- who is looking -----------------------------------------------------------------------
    def _lang(self, request: Request) -> str:
        return console_language(request.query_params.get("lang")
                                or request.cookies.get(LANG_COOKIE),
                                request.headers.get("accept-language"))

    async def caller(self, request: Request) -> Caller | None:
        """The signed-in caller of a request (owners with their listings), or None."""
        session_id = self.signer.session_id(request)
        if session_id is None:
            return None
        async with self.sessions() as session:
            try:
                caller = await auth_service.caller_for_session(
                    session=session, session_id=session_id, now=utcnow(),
                    max_age_s=SESSION_MAX_AGE_S)
            except AuthError:
                return None
            if caller.actor.role == Role.OWNER and caller.actor.account_id is not None:
                owned = await owned_destination_ids(session=session,
                                                    account_id=caller.actor.account_id)
                caller = replace(caller, actor=replace(caller.actor, destination_ids=owned))
        return caller

    def view(self, request: Request, caller: Caller | None) -> View:
        """The view of a page for a signed-in caller (or for the sign-in form: None)."""
        bound = caller.session_id if caller and caller.session_id else (
            request.cookies.get(PRE_COOKIE) or "")
        return View(lang=self._lang(request), csrf=self.signer.csrf_token(bound) if bound
                    else "", actor=caller.actor if caller else None,
                    media_origin=self.media_origin)

    async def anonymous_view(self, request: Request) -> View:
        """The view of a page shown before signing in, its forms bound to a pre-session
        nonce (see with_pre_cookie)."""
        nonce = request.cookies.get(PRE_COOKIE) or new_nonce()
        request.state.console_nonce = nonce
        return replace(self.view(request, None), csrf=self.signer.csrf_token(nonce))

    def with_pre_cookie(self, request: Request, response: Response) -> Response:
        """Keeps the pre-session nonce of an anonymous page in its cookie."""
        nonce = getattr(request.state, "console_nonce", None)
        if nonce and nonce != request.cookies.get(PRE_COOKIE):
            self.signer.set_cookie(response, PRE_COOKIE, nonce, max_age=3600)
        return response

    async def staff_form(self, request: Request) -> Posted | Response:
        """A staff member's posted form whose CSRF token holds; else the answer to give."""
        view = await self.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.form(request, view)
        if fields is None:
            return self.refused(view)
        return Posted(view, fields)

    def link(self, path: str, token: str) -> str:
        """An absolute console link carrying a one-time token."""
        return f"{self.page_link(path)}?token={quote(token)}"

    def page_link(self, path: str) -> str:
        """An absolute link to a console page (for e-mails)."""
        return f"{self.public_base_url}{path}"

    async def send(self, view: View, *, to: str, subject: str, body: str) -> bool:
        """Sends an e-mail; a mail server that fails is logged, never shown as a crash."""
        try:
            await self.mailer.send(to=to, subject=subject, body=body)
        except MailError:
            log.exception("e-mail to %s not sent", to)
            return False
        return True

    async def staff_view(self, request: Request) -> View | Response:
        """The view of a page for department staff (editors, admins); else the sign-in form or
        a refusal."""
        caller = await self.caller(request)
        if caller is None:
            return self.to_sign_in(request)
        view = self.view(request, caller)
        if caller.actor.role not in (Role.EDITOR, Role.ADMIN):
            return page(view, "refused.html", status=403, title=view.gettext("Not allowed"))
        return view

    def to_sign_in(self, request: Request) -> Response:
        """Where a visitor without a sign-in goes: the sign-in form, then back."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return see_other(self.view(request, None), f"/console/sign-in?next={quote(target)}")

    async def form(self, request: Request, view: View) -> dict[str, str] | None:
        """A posted form's fields when its CSRF token holds, else None."""
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return None
        async with request.form(max_files=0, max_fields=400) as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not self.signer.csrf_ok(request, fields.get(CSRF_FIELD)):
            log.info("console form refused: CSRF token missing or wrong (%s)", request.url.path)
            return None
        return fields

    def refused(self, view: View) -> Response:
        """The answer to a form without a valid CSRF token: nothing is done."""
        return page(view, "refused.html", status=403, title=view.gettext("Form expired"))

    # -- pages --------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        """The console's start page: what this staff member or owner can do."""
        caller = await self.caller(request)
        if caller is None:
            return self.to_sign_in(request)
        view = self.view(request, caller)
        return page(view, "home.html", title=view.gettext("Console"))

    async def sign_in_form(self, request: Request, *, error: str | None = None,
                           status: int = 200) -> Response:
        """The sign-in form, with a fresh pre-session nonce for its CSRF token."""
        view = await self.anonymous_view(request)
        next_url = request.query_params.get("next", "/console/")
        return self.with_pre_cookie(request, page(
            view, "sign_in.html", status=status, title=view.gettext("Sign in"), error=error,
            next_url=next_url if next_url.startswith("/console/") else "/console/",
            done=request.query_params.get("done")))

    async def sign_in(self, request: Request) -> Response:
        """Checks e-mail and password behind the shared sign-in throttle."""
        view = self.view(request, None)
        fields = await self.form(request, view)
        if fields is None:
            return self.refused(view)
        address = client_address(request.scope,
                                 trust_forwarded_for=self.kit.trust_forwarded_for)
        async with self.sessions() as session:
            try:
                pair = await throttled_login(
                    kit=self.kit, session=session, email=fields.get("email", ""),
                    password=fields.get("password", ""), address=address, now=utcnow())
            except AuthError as exc:
                await session.commit()  # the failed attempt counts
                throttled = exc.code == AuthErrorCode.LOGIN_THROTTLED
                message = (view.gettext("Too many failed sign-ins: wait a few minutes.")
                           if throttled else view.gettext("Wrong e-mail or password."))
                return await self.sign_in_form(request, error=message,
                                               status=429 if throttled else 401)
            claims = self.kit.signer.check(pair.access_token, now=utcnow())
        next_url = fields.get("next", "/console/")
        response = see_other(view, next_url if next_url.startswith("/console/")
                             else "/console/")
        self.signer.set_cookie(response, SESSION_COOKIE,
                               self.signer.session_value(claims.session_id),
                               max_age=SESSION_MAX_AGE_S)
        self.signer.clear_cookie(response, PRE_COOKIE)
        return response

    async def sign_out(self, request: Request) -> Response:
        """Ends the sign-in session (its tokens stop working too) and clears the cookie."""
        caller = await self.caller(request)
        view = self.view(request, caller)
        if caller is None:
            return self.to_sign_in(request)
        if await self.form(request, view) is None:
            return self.refused(view)
        async with self.sessions() as session:
            if caller.session_id is not None:
                await auth_service.logout(session=session, session_id=caller.session_id,
                                          now=utcnow())
                await session.commit()
        response = see_other(view, "/console/sign-in")
        self.signer.clear_cookie(response, SESSION_COOKIE)
        return response

    async def language(self, request: Request) -> Response:
        """Switches the console's language (a cookie; no sign-in needed)."""
        caller = await self.caller(request)
        view = self.view(request, caller)
        fields = await self.form(request, view)
        if fields is None:
            return self.refused(view)
        lang = fields.get("lang", "")
        back = fields.get("next", "/console/")
        response = see_other(view, back if back.startswith("/console/") else "/console/")
        if lang in LANGUAGES:
            self.signer.set_cookie(response, LANG_COOKIE, lang, max_age=365 * 86400)
        return response
