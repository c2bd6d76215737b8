"""What admins do with accounts and API keys (the console's Accounts section), and what every
signed-in person does with their own password. Not committed; refusals write nothing."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.errors import AuthError, AuthErrorCode
from accounts.links import INVITE, issue_link
from accounts.models import Account, ApiKey, AuthSession
from accounts.passwords import check_password
from accounts.permissions import ACCOUNT_ROLES, Actor, require_admin, require_signed_in
from accounts.service import create_account, hash_password, verify_password


async def list_accounts(*, session: AsyncSession, actor: Actor) -> list[Account]:
    """Every account, by e-mail (admins only)."""
    require_admin(actor)
    return list((await session.execute(select(Account).order_by(Account.email))).scalars())


async def list_api_keys(*, session: AsyncSession, actor: Actor) -> list[ApiKey]:
    """Every API key, the active ones first, by name (admins only)."""
    require_admin(actor)
    return list((await session.execute(select(ApiKey).order_by(
        ApiKey.revoked_at.is_not(None), ApiKey.name, ApiKey.id))).scalars())


async def invite(*, session: AsyncSession, actor: Actor, email: str, role: str,
                 display_name: str, now: datetime) -> tuple[Account, str]:
    """A new account and the token of its invitation link (a week to set a password)."""
    require_admin(actor)
    account = await create_account(session=session, email=email,
                                   password=secrets.token_urlsafe(32), role=role,
                                   display_name=display_name)
    return account, await issue_link(session=session, account=account, purpose=INVITE, now=now)


async def _other(session: AsyncSession, actor: Actor, account_id: int) -> Account:
    require_admin(actor)
    account = await session.get(Account, account_id)
    if account is None:
        raise AuthError(AuthErrorCode.ACCOUNT_NOT_FOUND, f"no account {account_id}",
                        field="id")
    if account.id == actor.account_id:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT,
                        "admins cannot disable or demote themselves", field="id")
    return account


async def set_active(*, session: AsyncSession, actor: Actor, account_id: int, active: bool,
                     now: datetime) -> Account:
    """Enables or disables an account; disabling ends its sign-ins at once."""
    account = await _other(session, actor, account_id)
    account.active = active
    if not active:
        await session.execute(update(AuthSession).where(
            AuthSession.account_id == account.id, AuthSession.revoked_at.is_(None)
        ).values(revoked_at=now, revoked_reason="disabled"))
    await session.flush()
    return account


async def set_role(*, session: AsyncSession, actor: Actor, account_id: int, role: str
                   ) -> Account:
    """Gives an account another role (its next sign-in carries it; current sign-ins end)."""
    if role not in {r.value for r in ACCOUNT_ROLES}:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, f"unknown role {role!r}", field="role")
    account = await _other(session, actor, account_id)
    account.role = role
    await session.flush()
    return account


async def change_password(*, session: AsyncSession, actor: Actor, current: str, new: str,
                          keep_session_id: str | None, now: datetime) -> Account:
    """Changes one's own password after checking the current one; other sign-ins end."""
    require_signed_in(actor)
    account = await session.get(Account, actor.account_id)
    if account is None or not await verify_password(account.password_hash, current):
        raise AuthError(AuthErrorCode.INVALID_CREDENTIALS, "the current password is wrong",
                        field="current")
    check_password(new, email=account.email)
    account.password_hash = await hash_password(new)
    await session.execute(update(AuthSession).where(
        AuthSession.account_id == account.id, AuthSession.revoked_at.is_(None),
        AuthSession.id != (keep_session_id or "")).values(revoked_at=now,
                                                          revoked_reason="password"))
    await session.flush()
    return account
