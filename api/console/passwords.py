"""The console's password pages: "forgot my password" (a reset link by e-mail, throttled like
sign-in, the same answer whether or not the e-mail has an account), the page of a reset or
invitation link, and changing one's own password."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from accounts import admin, links
from accounts.errors import AuthError
from api.console.render import View, page, see_other
from api.ratelimit import client_address
from core.time import utcnow

if TYPE_CHECKING:
    from api.console.app import Console

log = logging.getLogger("tourism.console")


def routes(console: Console) -> list[Route]:
    """The routes of the password pages."""
    views = PasswordViews(console)
    return [Route("/password/forgot", views.forgot_form, methods=["GET"]),
            Route("/password/forgot", views.forgot, methods=["POST"]),
            Route("/password/set", views.set_form, methods=["GET"]),
            Route("/password/set", views.set_password, methods=["POST"]),
            Route("/password", views.change_form, methods=["GET"]),
            Route("/password", views.change, methods=["POST"])]


class PasswordViews:
    """Pages that set a password."""

    def __init__(self, console: Console):
        self.console = console

    async def forgot_form(self, request: Request) -> Response:
        """The form asking for the e-mail to send a reset link to."""
        view = await self.console.anonymous_view(request)
        return self.console.with_pre_cookie(request, page(
            view, "password_forgot.html", title=view.gettext("Forgot your password?"),
            error=None))

    async def forgot(self, request: Request) -> Response:
        """Sends a reset link when the e-mail has an active account; says the same always."""
        view = await self.console.anonymous_view(request)
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        email = fields.get("email", "").strip()[:254]
        address = client_address(request.scope,
                                 trust_forwarded_for=self.console.kit.trust_forwarded_for)
        async with self.console.sessions() as session:
            # the sign-in throttle's buckets: a reset costs what a failed sign-in does
            key = f"login:{email.lower()}@{address}"
            if await self.console.kit.login_failures.take(key, session=session) > 0:
                await session.commit()
                return page(view, "password_forgot.html", status=429,
                            title=view.gettext("Forgot your password?"),
                            error=view.gettext("Too many requests: wait a few minutes."))
            found = await links.reset_link_for(session=session, email=email, now=utcnow())
            await session.commit()
        if found is not None:
            account, token = found
            await self.console.send(view, to=account.email,
                                    subject=view.gettext("Reset your console password"),
                                    body=view.gettext(
                                        "Someone asked to reset the password of {email}. "
                                        "Open this link within an hour to choose a new one:"
                                        "\n\n{link}\n\nIf it was not you, ignore this "
                                        "e-mail.", email=account.email,
                                        link=self.console.link("/console/password/set", token)))
        return page(view, "password_sent.html", title=view.gettext("Check your e-mail"))

    async def set_form(self, request: Request) -> Response:
        """The page of a reset or invitation link: choose a password."""
        view = await self.console.anonymous_view(request)
        token = request.query_params.get("token", "")
        async with self.console.sessions() as session:
            try:
                account = await links.check_link(session=session, token=token, now=utcnow())
            except AuthError as exc:
                return page(view, "password_set.html", status=400,
                            title=view.gettext("Choose a password"), error=exc, token="",
                            email="")
        return self.console.with_pre_cookie(request, page(
            view, "password_set.html", title=view.gettext("Choose a password"), error=None,
            token=token, email=account.email))

    async def set_password(self, request: Request) -> Response:
        """Sets the password of a link; a refusal (weak password, used link) writes nothing."""
        view = await self.console.anonymous_view(request)
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        token = fields.get("token", "")
        async with self.console.sessions() as session:
            try:
                account = await links.use_link(session=session, token=token,
                                               password=fields.get("password", ""),
                                               now=utcnow())
            except AuthError as exc:
                await session.rollback()
                return page(view, "password_set.html", status=400,
                            title=view.gettext("Choose a password"), error=exc, token=token,
                            email="")
            await session.commit()
        log.info("password set through a link for account %d", account.id)
        return see_other(view, "/console/sign-in?done=password")

    async def change_form(self, request: Request) -> Response:
        """The form changing one's own password."""
        caller = await self.console.caller(request)
        if caller is None:
            return self.console.to_sign_in(request)
        view = self.console.view(request, caller)
        return page(view, "password_change.html", title=view.gettext("Change password"),
                    error=None, done=request.query_params.get("done") == "1")

    async def change(self, request: Request) -> Response:
        """Changes one's own password; the other sign-ins of the account end."""
        caller = await self.console.caller(request)
        if caller is None:
            return self.console.to_sign_in(request)
        view: View = self.console.view(request, caller)
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        async with self.console.sessions() as session:
            try:
                await admin.change_password(
                    session=session, actor=caller.actor, current=fields.get("current", ""),
                    new=fields.get("password", ""), keep_session_id=caller.session_id,
                    now=utcnow())
            except AuthError as exc:
                await session.rollback()
                return page(view, "password_change.html", status=400,
                            title=view.gettext("Change password"), error=exc, done=False)
            await session.commit()
        return see_other(view, "/console/password?done=1")

