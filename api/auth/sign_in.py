"""Signing in with e-mail and password behind the shared throttle: one home for the GraphQL
`login` mutation and the console's sign-in form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accounts import service as auth_service
from accounts.errors import AuthError, AuthErrorCode
from api.auth.middleware import AuthKit


async def throttled_login(*, kit: AuthKit, session: AsyncSession, email: str, password: str,
                          address: str, now: datetime) -> auth_service.TokenPair:
    """A new sign-in for the right e-mail and password, committed; LOGIN_THROTTLED after too
    many failures, INVALID_CREDENTIALS for a wrong pair (the failure is counted and kept)."""
    account = "login:" + auth_service.normalize_email(email)[:254]
    pair_key = f"{account}@{address}"
    # every attempt counts, committed before the password is checked (in the database: the
    # same count in every container). Per address and e-mail, so that an attacker elsewhere
    # cannot lock the owner out; per e-mail too, with a ceiling that refills over a day, so
    # that many addresses cannot guess on; a success clears both.
    if (await kit.login_failures.take(pair_key, session=session) > 0
            or await kit.account_failures.take(account, session=session) > 0):
        raise AuthError(AuthErrorCode.LOGIN_THROTTLED,
                        "too many failed sign-ins for this e-mail: wait and try again")
    pair = await auth_service.login(session=session, signer=kit.signer, email=email,
                                    password=password, now=now,
                                    refresh_ttl_s=kit.refresh_ttl_s)
    await kit.login_failures.forget(pair_key, session=session)
    await kit.account_failures.forget(account, session=session)
    await session.commit()
    return pair
