"""The one base of every expected failure of the service, and the codes of what core checks.

Each area lists its codes in one `StrEnum` (`GeoErrorCode`, `MediaErrorCode`, …) whose member
names are the codes themselves, and raises them through `DomainError` (or a subclass naming
the area, for `except` clauses): `raise GeoError(GeoErrorCode.INVALID_BBOX, "…", field=…)`.
The API exports every such enum in its schema, so clients can generate them.
"""

from __future__ import annotations

from enum import StrEnum


class CoreErrorCode(StrEnum):
    """Codes of what every area shares: pages and language tags."""

    PAGE_SIZE_EXCEEDED = "PAGE_SIZE_EXCEEDED"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"


class DomainError(Exception):
    """An expected failure: a stable code from an area's enum, a message, the argument at fault."""

    code: StrEnum

    def __init__(self, code: StrEnum, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
