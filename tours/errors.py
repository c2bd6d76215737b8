"""Errors of the tours area (virtual tours), each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class TourErrorCode(StrEnum):
    """Stable codes of expected tour failures."""

    TOUR_NOT_FOUND = "TOUR_NOT_FOUND"
    SCENE_NOT_FOUND = "SCENE_NOT_FOUND"
    DESTINATION_NOT_FOUND = "DESTINATION_NOT_FOUND"
    PANORAMA_NOT_FOUND = "PANORAMA_NOT_FOUND"
    INVALID_SLUG = "INVALID_SLUG"
    DUPLICATE_SLUG = "DUPLICATE_SLUG"
    INVALID_TITLE = "INVALID_TITLE"
    INVALID_ANGLE = "INVALID_ANGLE"
    INVALID_PLACEMENT = "INVALID_PLACEMENT"
    INVALID_HOTSPOT = "INVALID_HOTSPOT"


class TourError(DomainError):
    """An expected failure of a tour query or change."""

    def __init__(self, code: TourErrorCode, message: str, *, field: str | None = None):
        super().__init__(message, code=code.value, field=field)
