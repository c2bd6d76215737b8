"""Errors of signing in, tokens and API keys, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class AuthErrorCode(StrEnum):
    """Stable codes of expected authentication failures."""

    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    TOKEN_REUSED = "TOKEN_REUSED"
    INVALID_API_KEY = "INVALID_API_KEY"
    INVALID_ACCOUNT = "INVALID_ACCOUNT"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
    SIGN_IN_BUSY = "SIGN_IN_BUSY"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    INVALID_PASSWORD_LINK = "INVALID_PASSWORD_LINK"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"


class AuthError(DomainError):
    """An expected failure of signing in or of a credential."""

    @property
    def http_status(self) -> int:
        """The HTTP status when the failure ends the request before GraphQL runs."""
        if self.code == AuthErrorCode.FORBIDDEN:
            return 403
        return 429 if self.code == AuthErrorCode.LOGIN_THROTTLED else 401
