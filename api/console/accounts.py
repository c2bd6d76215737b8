"""The console's Accounts section (admins): accounts listed, invited by e-mail, disabled or
enabled, given another role; API keys listed and revoked by name; the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from accounts import admin
from accounts import service as auth_service
from accounts.errors import AuthError
from accounts.models import Account
from accounts.permissions import ACCOUNT_ROLES, Role
from api.console.render import View, page, see_other
from core.time import as_utc, utcnow
from geo.listings.service import recent_audit_events, record

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of the Accounts section."""
    views = AccountViews(console)
    return [Route("/accounts", views.index, methods=["GET"]),
            Route("/accounts/invite", views.invite, methods=["POST"]),
            Route("/accounts/{id:int}", views.change, methods=["POST"]),
            Route("/api-keys/{id:int}/revoke", views.revoke_key, methods=["POST"]),
            Route("/audit", views.audit, methods=["GET"])]


class AccountViews:
    """Pages of the Accounts section."""

    def __init__(self, console: Console):
        self.console = console

    async def _admin(self, request: Request) -> View | Response:
        caller = await self.console.caller(request)
        if caller is None:
            return self.console.to_sign_in(request)
        view = self.console.view(request, caller)
        if caller.actor.role != Role.ADMIN:
            return page(view, "refused.html", status=403, title=view.gettext("Not allowed"))
        return view

    async def index(self, request: Request, *, error: AuthError | None = None,
                    status: int = 200, invited: str | None = None) -> Response:
        """Accounts and API keys."""
        view = await self._admin(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            people = await admin.list_accounts(session=session, actor=view.actor)
            keys = await admin.list_api_keys(session=session, actor=view.actor)
        return page(view, "accounts.html", status=status, title=view.gettext("Accounts"),
                    people=people, keys=keys, roles=sorted(r.value for r in ACCOUNT_ROLES),
                    error=error, invited=invited or request.query_params.get("invited"),
                    me=view.actor.account_id)

    async def invite(self, request: Request) -> Response:
        """Creates an account and e-mails it a link to choose its password."""
        view = await self._admin(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                account, token = await admin.invite(
                    session=session, actor=view.actor, email=fields.get("email", ""),
                    role=fields.get("role", ""), display_name=fields.get("name", ""),
                    now=utcnow())
            except AuthError as exc:
                await session.rollback()
                return await self.index(request, error=exc, status=400)
            record(session, actor=view.actor, action="account.invited", destination_id=None,
                   detail={"accountId": account.id, "role": account.role}, now=utcnow())
            await session.commit()
        await self.console.send(view, to=account.email,
                                subject=view.gettext("Your tourism console account"),
                                body=view.gettext(
                                    "An account was made for you on the tourism console. "
                                    "Open this link within a week to choose your password:"
                                    "\n\n{link}", link=self.console.link(
                                        "/console/password/set", token)))
        return see_other(view, f"/console/accounts?invited={account.id}")

    async def change(self, request: Request) -> Response:
        """Disables, enables or gives another role to an account."""
        view = await self._admin(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        account_id, now = int(request.path_params["id"]), utcnow()
        async with self.console.sessions() as session:
            try:
                changed: Account
                if fields.get("active") in ("0", "1"):
                    changed = await admin.set_active(session=session, actor=view.actor,
                                                     account_id=account_id,
                                                     active=fields["active"] == "1", now=now)
                    action = "account.enabled" if changed.active else "account.disabled"
                else:
                    changed = await admin.set_role(session=session, actor=view.actor,
                                                   account_id=account_id,
                                                   role=fields.get("role", ""))
                    action = "account.role"
            except AuthError as exc:
                await session.rollback()
                return await self.index(request, error=exc, status=400)
            record(session, actor=view.actor, action=action, destination_id=None,
                   detail={"accountId": changed.id, "role": changed.role,
                           "active": changed.active}, now=now)
            await session.commit()
        return see_other(view, "/console/accounts")

    async def revoke_key(self, request: Request) -> Response:
        """Revokes an API key: kiosks using it are refused from now on."""
        view = await self._admin(request)
        if not isinstance(view, View):
            return view
        if await self.console.form(request, view) is None:
            return self.console.refused(view)
        assert view.actor is not None
        key_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            if await auth_service.revoke_api_key(session=session, actor=view.actor,
                                                 api_key_id=key_id, now=utcnow()):
                record(session, actor=view.actor, action="api_key.revoked",
                       destination_id=None, detail={"apiKeyId": key_id}, now=utcnow())
            await session.commit()
        return see_other(view, "/console/accounts")

    async def audit(self, request: Request) -> Response:
        """The audit trail, newest first, with who did it."""
        view = await self._admin(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        before = request.query_params.get("before", "")
        async with self.console.sessions() as session:
            events = await recent_audit_events(session=session, actor=view.actor, limit=100,
                                               before_id=int(before) if before.isdigit()
                                               else None)
            people = {a.id: a.email for a in await admin.list_accounts(session=session,
                                                                        actor=view.actor)}
        rows = [{"id": e.id, "at": as_utc(e.at).isoformat(timespec="seconds"),
                 "who": people.get(e.actor_account_id or 0, "—"), "action": e.action,
                 "destination": e.destination_id, "detail": e.detail} for e in events]
        return page(view, "audit.html", title=view.gettext("Audit trail"), rows=rows,
                    older=rows[-1]["id"] if len(rows) == 100 else None)
