"""Opaque, signed pagination cursors: a forged or foreign cursor is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math

from api.errors import ApiErrorCode
from core.errors import DomainError

_SIG_BYTES = 12


class CursorError(DomainError):
    """A cursor that this service did not issue for this query: INVALID_CURSOR."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(ApiErrorCode.INVALID_CURSOR, message, field=field)


class Cursors:
    """Encodes and checks cursors with an HMAC of the service's secret key."""

    def __init__(self, secret_key: str):
        self._key = hashlib.sha256(("cursor:" + secret_key).encode()).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.digest(self._key, payload, "sha256")[:_SIG_BYTES]

    def encode(self, kind: str, key: tuple[float, ...]) -> str:
        """An opaque cursor for a keyset position of a query kind."""
        payload = json.dumps([kind, list(key)], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._sign(payload) + payload).decode().rstrip("=")

    def decode(self, kind: str, cursor: str | None, arity: int) -> tuple[float, ...] | None:
        """The keyset position in a cursor; None for no cursor; CursorError when forged."""
        if cursor is None:
            return None
        try:
            if len(cursor) > 512:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            signature, payload = raw[:_SIG_BYTES], raw[_SIG_BYTES:]
            if not hmac.compare_digest(signature, self._sign(payload)):
                raise ValueError("bad signature")
            found_kind, values = json.loads(payload)
        except (ValueError, TypeError) as exc:
            raise CursorError("the cursor is not valid", field="after") from exc
        if found_kind != kind or not isinstance(values, list) or len(values) != arity or any(
            not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v)
            for v in values
        ):
            raise CursorError("the cursor belongs to another query", field="after")
        return tuple(values)
