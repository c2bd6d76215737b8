"""Tables of accounts: staff and business owners, their sign-in sessions, kiosk API keys,
and the rate buckets of whoever calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.time import utcnow


class Account(Base):
    """A person who signs in: department staff or a business owner."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # one of permissions.ACCOUNT_ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthSession(Base):
    """One sign-in: the family of refresh tokens that rotate from one login."""

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RefreshToken(Base):
    """A refresh token, stored only as its SHA-256; used once, then rotated."""

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_session.id", ondelete="CASCADE"),
                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApiKey(Base):
    """A key of a kiosk or partner app (scope "read": public data only) or of a site's people
    counter (scope "counter": posts that site's counts and nothing else), stored only as its
    SHA-256."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16), default="read")
    #: The one site a counter key posts counts for (None for other scopes).
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RateBucket(Base):
    """A token bucket of one caller (a client address, an account, an API key, an e-mail at
    sign-in), shared by every process: times are seconds since the epoch by the database's
    clock; the row of a full bucket may be deleted, it means the same as no row."""

    __tablename__ = "rate_bucket"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    #: When the bucket is full again if nothing more is taken (rows past it are pruned).
    full_at: Mapped[float] = mapped_column(Double, index=True)


class PasswordLink(Base):
    """A one-time link to set a password: an invitation or a reset, stored only as the
    SHA-256 of its token; used once, and void after `expires_at`."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite or reset
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
