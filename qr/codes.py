"""Short codes printed under a QR code and typed in by hand: no 0/O, no 1/I."""

from __future__ import annotations

import secrets

#: 32 symbols: digits 2-9 and the letters without I and O.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_CODE_LENGTH = 16


def new_code(length: int = CODE_LENGTH) -> str:
    """A random short code from the unambiguous alphabet."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(typed: str) -> str | None:
    """The code a visitor typed (any case, spaces or dashes), or None when it cannot be one."""
    code = typed.strip().upper().replace("-", "").replace(" ", "")
    if not 4 <= len(code) <= MAX_CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def scan_url(public_base_url: str, code: str) -> str:
    """The URL a printed code encodes: `{public base}/q/{code}`."""
    return f"{public_base_url.rstrip('/')}/q/{code}"
