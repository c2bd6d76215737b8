"""The base of every expected failure of the service."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure of the service: carries a stable `code`."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
