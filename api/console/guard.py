"""The console's session cookie and CSRF tokens: who a browser is, and proof that a form was
posted from a console page.

The cookie names a sign-in session (accounts' AuthSession, revocable like a token's) with
an HMAC so that a forged id is refused before any query. Every form carries a CSRF token
bound to that session; the sign-in form, which has no session yet, carries one bound to a
random pre-session cookie (double submit, signed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "tourism_console"
PRE_COOKIE = "tourism_console_pre"
LANG_COOKIE = "tourism_console_lang"
#: A console sign-in lasts a working day at most; signing out ends it at once.
SESSION_MAX_AGE_S = 12 * 3600
CSRF_FIELD = "csrf"


@dataclass(frozen=True, slots=True)
class CookieSigner:
    """Signs the console's cookies and CSRF tokens with a key derived from the secret."""

    key: bytes
    secure: bool

    @classmethod
    def from_secret(cls, secret_key: str, *, secure: bool) -> CookieSigner:
        """A signer whose key is derived from the service's secret (never the secret itself)."""
        return cls(hashlib.sha256(("console-cookie:" + secret_key).encode()).digest(), secure)

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()

    def session_value(self, session_id: str) -> str:
        """The cookie's value naming a sign-in session."""
        return f"{session_id}.{self._mac('session', session_id)}"

    def session_id(self, request: Request) -> str | None:
        """The sign-in session the request's cookie names, when its signature holds."""
        value = request.cookies.get(SESSION_COOKIE, "")
        session_id, _, mac = value.partition(".")
        if not session_id or len(value) > 200 or not hmac.compare_digest(
                mac, self._mac("session", session_id)):
            return None
        return session_id

    def csrf_token(self, bound_to: str) -> str:
        """The CSRF token of forms shown to a session (or to a pre-session nonce)."""
        return self._mac("csrf", bound_to)

    def csrf_ok(self, request: Request, submitted: str | None) -> bool:
        """Whether a submitted token matches the request's session or pre-session cookie."""
        bound = self.session_id(request) or request.cookies.get(PRE_COOKIE)
        return bool(bound and submitted and hmac.compare_digest(submitted,
                                                                self.csrf_token(bound)))

    def set_cookie(self, response: Response, name: str, value: str, *, max_age: int) -> None:
        """Sets one of the console's cookies: HttpOnly, SameSite=Lax, Secure in production,
        limited to /console."""
        response.set_cookie(name, value, max_age=max_age, path="/console", httponly=True,
                            samesite="lax", secure=self.secure)

    def clear_cookie(self, response: Response, name: str) -> None:
        """Removes one of the console's cookies."""
        response.delete_cookie(name, path="/console", httponly=True, samesite="lax",
                               secure=self.secure)


def new_nonce() -> str:
    """A random pre-session value for the sign-in form's CSRF token."""
    return secrets.token_urlsafe(24)
