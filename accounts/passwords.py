"""What a password must be: long enough, not among the most common, not a repetition or a
run, not the account's own e-mail."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from accounts.errors import AuthError, AuthErrorCode

MIN_PASSWORD = 12
MAX_PASSWORD = 256
MIN_DISTINCT = 5
COMMON = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower case)."""
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def _repeats(password: str) -> bool:
    """"abcabcabcabc", "aaaaaaaaaaaa": a short unit over and over."""
    return any(len(password) % size == 0 and password == password[:size] * (len(password) // size)
               for size in range(1, len(password) // 2 + 1))


def _run(password: str) -> bool:
    """"123456789012", "abcdefghijkl", "987654321098": each character one step from the last."""
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps <= {1, -9} or steps <= {-1, 9}


def check_password(password: str, *, email: str) -> None:
    """Nothing when the password is acceptable; AuthError WEAK_PASSWORD (or INVALID_ACCOUNT
    for its length) naming the field otherwise."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AuthError(AuthErrorCode.INVALID_ACCOUNT,
                        f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                        field="password")
    folded = password.lower()
    local = email.split("@")[0].lower()
    if (folded in common_passwords() or len(set(folded)) < MIN_DISTINCT or _repeats(folded)
            or _run(folded) or (len(local) >= 4 and local in folded)):
        raise AuthError(AuthErrorCode.WEAK_PASSWORD,
                        "choose a password that is not common, repetitive or your e-mail",
                        field="password")
