"""One-time links that set a password: an admin's invitation (a new account signs in for the
first time) and a reset asked from the sign-in page. The token travels only in the link;
the database keeps its SHA-256. Using a link ends every sign-in of the account."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.errors import AuthError, AuthErrorCode
from accounts.models import Account, AuthSession, PasswordLink
from accounts.passwords import check_password
from accounts.service import get_account_by_email, hash_password
from accounts.tokens import digest, new_refresh_token
from core.time import as_utc

INVITE = "invite"
RESET = "reset"
#: How long a link works: an invitation a week, a reset an hour.
LIFETIMES = {INVITE: timedelta(days=7), RESET: timedelta(hours=1)}


async def issue_link(*, session: AsyncSession, account: Account, purpose: str,
                     now: datetime) -> str:
    """A new link token for an account (earlier unused links of the same purpose stop
    working); not committed."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown purpose {purpose!r}")
    await session.execute(update(PasswordLink).where(
        PasswordLink.account_id == account.id, PasswordLink.purpose == purpose,
        PasswordLink.used_at.is_(None)).values(used_at=now))
    token, token_hash = new_refresh_token()
    session.add(PasswordLink(account_id=account.id, token_hash=token_hash, purpose=purpose,
                             created_at=now, expires_at=now + LIFETIMES[purpose]))
    await session.flush()
    return token


async def reset_link_for(*, session: AsyncSession, email: str, now: datetime
                         ) -> tuple[Account, str] | None:
    """A reset link for an active account's e-mail, or None (the caller says the same
    either way, so that the page tells nobody which e-mails have accounts)."""
    account = await get_account_by_email(session=session, email=email)
    if account is None or not account.active:
        return None
    return account, await issue_link(session=session, account=account, purpose=RESET, now=now)


async def _valid(session: AsyncSession, token: str, now: datetime) -> tuple[PasswordLink,
                                                                             Account]:
    row = None
    if 16 <= len(token) <= 200:
        row = (await session.execute(
            select(PasswordLink, Account).join(Account, Account.id == PasswordLink.account_id)
            .where(PasswordLink.token_hash == digest(token)))).first()
    if row is None or row[0].used_at is not None or as_utc(row[0].expires_at) <= now:
        raise AuthError(AuthErrorCode.INVALID_PASSWORD_LINK,
                        "this link is not valid any more: ask for a new one", field="token")
    return row[0], row[1]


async def check_link(*, session: AsyncSession, token: str, now: datetime) -> Account:
    """The account a valid, unused link is for (INVALID_PASSWORD_LINK otherwise)."""
    return (await _valid(session, token, now))[1]


async def use_link(*, session: AsyncSession, token: str, password: str, now: datetime
                   ) -> Account:
    """Sets the password of a link's account, uses the link up, activates an invited account
    and revokes every sign-in of it; refusals write nothing; not committed."""
    link, account = await _valid(session, token, now)
    check_password(password, email=account.email)
    account.password_hash = await hash_password(password)
    account.active = True
    link.used_at = now
    await session.execute(update(AuthSession).where(
        AuthSession.account_id == account.id, AuthSession.revoked_at.is_(None)
    ).values(revoked_at=now, revoked_reason="password"))
    await session.flush()
    return account
