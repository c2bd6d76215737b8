"""Accounts and credentials: sign in, refresh with rotation, sign out, API keys, the actor."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.errors import AuthError, AuthErrorCode
from accounts.models import Account, ApiKey, AuthSession, RefreshToken
from accounts.passwords import MAX_PASSWORD, check_password
from accounts.permissions import ACCOUNT_ROLES, Actor, Role, require_admin
from accounts.tokens import (
    TokenSigner,
    api_key_prefix,
    digest,
    new_api_key,
    new_refresh_token,
    refresh_expiry,
    same_digest,
)
from core.capacity import WorkSlots
from core.time import as_utc

#: API key scopes: public data only, one site's people counter, or the IOC's reports.
READ_SCOPE = "read"
COUNTER_SCOPE = "counter"
REPORTING_SCOPE = "reporting"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")


#: argon2id takes 64 MiB and a few cores for ~50 ms: at most this many at once per process.
HASHING = WorkSlots(limit=2, wait_s=2.0, refusal=lambda: AuthError(
    AuthErrorCode.SIGN_IN_BUSY, "too many sign-ins at once: retry in a moment"))


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    """The argon2id hash of a password (computed off the event loop, in a HASHING slot)."""
    async with HASHING.slot():
        return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its argon2 hash (in a worker thread: hashing is slow)."""
    def check() -> bool:
        try:
            return _hasher().verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async with HASHING.slot():
        return await asyncio.to_thread(check)


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a client keeps after signing in or refreshing."""

    access_token: str
    refresh_token: str
    expires_in: int
    account: Account


def is_email(text: str) -> bool:
    """Whether a text (trimmed) is an e-mail address as accounts accept them."""
    return bool(_EMAIL.match(text.strip()))


def normalize_email(email: str) -> str:
    """The e-mail as stored: trimmed and lower-cased."""
    return email.strip().lower()


async def create_account(
    *, session: AsyncSession, email: str, password: str, role: str, display_name: str,
) -> Account:
    """Creates an account; not committed (the listings an owner keeps are geo.listings')."""
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "not an e-mail address", field="email")
    if role not in {r.value for r in ACCOUNT_ROLES}:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, f"unknown role {role!r}", field="role")
    check_password(password, email=email)
    if await session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "that e-mail already has an account",
                        field="email")
    account = Account(email=email, role=role, display_name=display_name.strip()[:120] or email,
                      password_hash=await hash_password(password), active=True)
    session.add(account)
    await session.flush()
    return account


async def _issue(*, session: AsyncSession, signer: TokenSigner, account: Account,
                 session_id: str, now: datetime, refresh_ttl_s: int) -> TokenPair:
    token, token_hash = new_refresh_token()
    session.add(RefreshToken(session_id=session_id, token_hash=token_hash, issued_at=now,
                             expires_at=refresh_expiry(now, refresh_ttl_s)))
    await session.flush()
    access = signer.issue(account_id=account.id, session_id=session_id, role=account.role,
                          now=now)
    return TokenPair(access_token=access, refresh_token=token, expires_in=signer.access_ttl_s,
                     account=account)


async def login(*, session: AsyncSession, signer: TokenSigner, email: str, password: str,
                now: datetime, refresh_ttl_s: int) -> TokenPair:
    """A new sign-in session for the right e-mail and password; not committed."""
    account = None
    if len(email) <= 254 and len(password) <= MAX_PASSWORD:
        account = await session.scalar(
            select(Account).where(Account.email == normalize_email(email)))
    if account is None or not account.active:
        await verify_password(_dummy_hash(), password)  # the same time whether or not it exists
        raise AuthError(AuthErrorCode.INVALID_CREDENTIALS, "wrong e-mail or password")
    if not await verify_password(account.password_hash, password):
        raise AuthError(AuthErrorCode.INVALID_CREDENTIALS, "wrong e-mail or password")
    if _hasher().check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password(password)
    auth_session = AuthSession(id=secrets.token_hex(16), account_id=account.id, created_at=now)
    session.add(auth_session)
    await session.flush()
    return await _issue(session=session, signer=signer, account=account,
                        session_id=auth_session.id, now=now, refresh_ttl_s=refresh_ttl_s)


async def _revoke(session: AsyncSession, session_id: str, now: datetime, reason: str) -> None:
    await session.execute(update(AuthSession).where(
        AuthSession.id == session_id, AuthSession.revoked_at.is_(None)
    ).values(revoked_at=now, revoked_reason=reason))


async def refresh(*, session: AsyncSession, signer: TokenSigner, refresh_token: str,
                  now: datetime, refresh_ttl_s: int) -> TokenPair:
    """New tokens for a refresh token, which is used up; reusing a used one revokes its whole
    sign-in session (TOKEN_REUSED: the caller commits that revocation)."""
    if not 16 <= len(refresh_token) <= 200:
        raise AuthError(AuthErrorCode.INVALID_TOKEN, "the refresh token is not valid")
    row = (await session.execute(
        select(RefreshToken, AuthSession, Account)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .join(Account, Account.id == AuthSession.account_id)
        .where(RefreshToken.token_hash == digest(refresh_token)))).first()
    if row is None:
        raise AuthError(AuthErrorCode.INVALID_TOKEN, "the refresh token is not valid")
    token, auth_session, account = row
    if auth_session.revoked_at is not None or not account.active:
        raise AuthError(AuthErrorCode.TOKEN_REVOKED, "this sign-in has been revoked")
    if token.expires_at.timestamp() <= now.timestamp():
        raise AuthError(AuthErrorCode.TOKEN_EXPIRED, "the refresh token has expired")
    used = await session.execute(update(RefreshToken).where(
        RefreshToken.id == token.id, RefreshToken.rotated_at.is_(None)
    ).values(rotated_at=now))
    if getattr(used, "rowcount", 0) != 1:  # already rotated: a stolen copy is being replayed
        await _revoke(session, auth_session.id, now, "reuse")
        raise AuthError(AuthErrorCode.TOKEN_REUSED,
                        "this refresh token was already used: the sign-in is revoked")
    return await _issue(session=session, signer=signer, account=account,
                        session_id=auth_session.id, now=now, refresh_ttl_s=refresh_ttl_s)


async def logout(*, session: AsyncSession, session_id: str, now: datetime) -> None:
    """Revokes a sign-in session: its refresh and access tokens stop working; not committed."""
    await _revoke(session, session_id, now, "logout")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a credential names: the actor, and its sign-in session or API key."""

    actor: Actor
    session_id: str | None = None
    api_key_id: int | None = None


async def caller_for_access_token(*, session: AsyncSession, signer: TokenSigner, token: str,
                                  now: datetime) -> Caller:
    """The actor of a valid, unrevoked access token (without its listings: see
    geo.listings.owners)."""
    claims = signer.check(token, now=now)
    row = (await session.execute(
        select(Account, AuthSession.revoked_at)
        .join(AuthSession, AuthSession.account_id == Account.id)
        .where(Account.id == claims.account_id, AuthSession.id == claims.session_id))).first()
    if row is None:
        raise AuthError(AuthErrorCode.INVALID_TOKEN, "the access token is not valid")
    account, revoked_at = row
    if revoked_at is not None or not account.active:
        raise AuthError(AuthErrorCode.TOKEN_REVOKED, "this sign-in has been revoked")
    return Caller(actor=Actor(role=Role(account.role), account_id=account.id),
                  session_id=claims.session_id)


async def caller_for_session(*, session: AsyncSession, session_id: str, now: datetime,
                             max_age_s: int) -> Caller:
    """The actor of an unrevoked sign-in session younger than `max_age_s` (the console's
    cookie names one), without its listings (see geo.listings.owners)."""
    row = (await session.execute(
        select(Account, AuthSession)
        .join(AuthSession, AuthSession.account_id == Account.id)
        .where(AuthSession.id == session_id))).first()
    if row is None:
        raise AuthError(AuthErrorCode.INVALID_TOKEN, "this sign-in is not valid")
    account, auth_session = row
    if auth_session.revoked_at is not None or not account.active:
        raise AuthError(AuthErrorCode.TOKEN_REVOKED, "this sign-in has been revoked")
    if as_utc(auth_session.created_at).timestamp() + max_age_s <= now.timestamp():
        raise AuthError(AuthErrorCode.TOKEN_EXPIRED, "this sign-in has expired")
    return Caller(actor=Actor(role=Role(account.role), account_id=account.id),
                  session_id=auth_session.id)


async def caller_for_api_key(*, session: AsyncSession, key: str) -> Caller:
    """The actor of a valid, unrevoked API key: a read-only kiosk, or the people counter of
    one site (scope "counter": that site's id is its only destination)."""
    prefix = api_key_prefix(key)
    found = None
    if prefix is not None:
        found = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if found is None or found.revoked_at is not None or not same_digest(found.key_hash,
                                                                        digest(key)):
        raise AuthError(AuthErrorCode.INVALID_API_KEY, "the API key is not valid")
    if found.scope == COUNTER_SCOPE and found.destination_id is not None:
        return Caller(actor=Actor(role=Role.COUNTER,
                                  destination_ids=frozenset({found.destination_id})),
                      api_key_id=found.id)
    if found.scope == REPORTING_SCOPE:
        return Caller(actor=Actor(role=Role.REPORTING), api_key_id=found.id)
    return Caller(actor=Actor(role=Role.KIOSK), api_key_id=found.id)


async def create_api_key(*, session: AsyncSession, actor: Actor | None, name: str,
                         counter_for: int | None = None, reporting: bool = False
                         ) -> tuple[ApiKey, str]:
    """A new API key (the key itself is shown once): read-only, or with `counter_for` the key
    of a people counter that posts one site's counts and can do nothing else, or with
    `reporting` the IOC's key that reads the aggregate reports; admins only, or the CLI
    (actor None); not committed."""
    if actor is not None:
        require_admin(actor)
    if not 1 <= len(name.strip()) <= 120:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "a key needs a name", field="name")
    if reporting and counter_for is not None:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT, "a key counts people or reads reports, "
                        "not both", field="reporting")
    key, prefix, key_hash = new_api_key()
    scope = REPORTING_SCOPE if reporting else READ_SCOPE if counter_for is None \
        else COUNTER_SCOPE
    api_key = ApiKey(name=name.strip(), prefix=prefix, key_hash=key_hash, scope=scope,
                     destination_id=counter_for)
    session.add(api_key)
    await session.flush()
    return api_key, key


async def revoke_api_key(*, session: AsyncSession, actor: Actor, api_key_id: int,
                         now: datetime) -> bool:
    """Revokes an API key (admins only); whether it was active; not committed."""
    require_admin(actor)
    result = await session.execute(update(ApiKey).where(
        ApiKey.id == api_key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now))
    return getattr(result, "rowcount", 0) == 1


async def get_account(*, session: AsyncSession, actor: Actor) -> Account | None:
    """The actor's own account."""
    if actor.account_id is None:
        return None
    return await session.get(Account, actor.account_id)


async def get_account_by_email(*, session: AsyncSession, email: str) -> Account | None:
    """Gets an account by its e-mail, as typed (any case, spaces around)."""
    found: Account | None = await session.scalar(
        select(Account).where(Account.email == normalize_email(email)))
    return found
