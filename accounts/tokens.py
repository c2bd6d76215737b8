"""Access tokens (short-lived JWTs), opaque refresh tokens and API keys: making and checking."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from accounts.errors import AuthError, AuthErrorCode

ISSUER = "tourism"
AUDIENCE = "tourism-api"
ALGORITHM = "HS256"
API_KEY_PREFIX = "tk_"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says."""

    account_id: int
    session_id: str
    role: str
    expires_at: int


class TokenSigner:
    """Signs and checks access tokens with a key derived from the service's secret."""

    def __init__(self, secret_key: str, *, access_ttl_s: int):
        self._key = hashlib.sha256(("access-token:" + secret_key).encode()).hexdigest()
        self.access_ttl_s = access_ttl_s

    def issue(self, *, account_id: int, session_id: str, role: str, now: datetime) -> str:
        """A signed access token for an account's sign-in session."""
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": str(account_id), "sid": session_id,
            "role": role, "typ": "access", "iat": issued, "nbf": issued,
            "exp": issued + self.access_ttl_s, "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def check(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a token this service signed and that has not expired."""
        if len(token) > 2048:
            raise AuthError(AuthErrorCode.INVALID_TOKEN, "the access token is not valid")
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                leeway=5, options={"require": ["exp", "iat", "sub", "sid", "typ"],
                                   "verify_iat": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError(AuthErrorCode.TOKEN_EXPIRED,
                            "the access token has expired: refresh it") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError(AuthErrorCode.INVALID_TOKEN, "the access token is not valid") from exc
        sub, sid = claims.get("sub"), claims.get("sid")
        if (claims.get("typ") != "access" or not isinstance(sub, str) or not sub.isdigit()
                or not isinstance(sid, str) or len(sid) > 32):
            raise AuthError(AuthErrorCode.INVALID_TOKEN, "the access token is not valid")
        if int(claims["exp"]) < int(now.timestamp()) - 5:  # a clock given by the caller
            raise AuthError(AuthErrorCode.TOKEN_EXPIRED, "the access token has expired")
        return AccessClaims(account_id=int(sub), session_id=sid, role=str(claims.get("role")),
                            expires_at=int(claims["exp"]))


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a refresh token or API key is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token() -> tuple[str, str]:
    """(token given to the client, digest stored)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def refresh_expiry(now: datetime, ttl_s: int) -> datetime:
    """When a refresh token issued now stops working."""
    return now + timedelta(seconds=ttl_s)


def new_api_key() -> tuple[str, str, str]:
    """(key given once to the kiosk, lookup prefix, digest stored)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
    return key, prefix, digest(key)


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a key shaped like ours, or None."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    prefix, _, rest = key[len(API_KEY_PREFIX):].partition("_")
    if len(prefix) != 12 or not rest:
        return None
    return prefix


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode(), b.encode())
