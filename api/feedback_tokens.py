"""The signed token of the feedback form on a /q page.

The form is anonymous (no account, no cookie), so SameSite cookies protect nothing: instead
each form carries a token signed with a key derived from the service's secret, bound to the
code of the page and to the time it was issued, valid for `max_age_s`. A form posted from
another site needs a token fetched from our page first, for that code, recently; the route
also refuses a post whose Origin header names another site. The per-address limit does the
rest."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

#: A token issued a little ahead of this clock (another container's) is still accepted.
CLOCK_SKEW_S = 60


@dataclass(frozen=True, slots=True)
class FeedbackTokens:
    """Issues and checks the tokens of feedback forms."""

    key: bytes
    max_age_s: int

    @classmethod
    def from_secret(cls, secret_key: str, *, max_age_s: int) -> FeedbackTokens:
        """Tokens signed with a key derived from the service's secret (never the secret)."""
        return cls(hashlib.sha256(("feedback-form:" + secret_key).encode()).digest(), max_age_s)

    def _mac(self, code: str, issued: int) -> str:
        return hmac.new(self.key, f"{code.upper()}|{issued}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def issue(self, code: str, *, now: float | None = None) -> str:
        """The token of a form for the page of a code."""
        issued = int(now if now is not None else time.time())
        return f"{issued}.{self._mac(code, issued)}"

    def valid(self, token: str, code: str, *, now: float | None = None) -> bool:
        """Whether a token was issued by us for this code, recently."""
        issued_text, _, mac = token.partition(".")
        if not issued_text.isdigit() or len(token) > 64:
            return False
        issued, clock = int(issued_text), now if now is not None else time.time()
        if not clock - self.max_age_s <= issued <= clock + CLOCK_SKEW_S:
            return False
        return hmac.compare_digest(mac, self._mac(code, issued))
