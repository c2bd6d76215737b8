"""Errors of the tours area (virtual tours, stops and narrations), each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class TourErrorCode(StrEnum):
    """Stable codes of expected failures of tours, stops and narrations."""

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
    STOP_NOT_FOUND = "STOP_NOT_FOUND"
    INVALID_STOP = "INVALID_STOP"
    INVALID_VIEWPOINT = "INVALID_VIEWPOINT"
    INVALID_NARRATION_KEY = "INVALID_NARRATION_KEY"
    NARRATION_UPLOAD_MISSING = "NARRATION_UPLOAD_MISSING"
    INVALID_ZONE = "INVALID_ZONE"
    INVALID_ZONE_RADIUS = "INVALID_ZONE_RADIUS"
    ZONE_TOO_COMPLEX = "ZONE_TOO_COMPLEX"
    NARRATION_NOT_FOUND = "NARRATION_NOT_FOUND"
    NARRATION_FORMATS_DISAGREE = "NARRATION_FORMATS_DISAGREE"
    INVALID_NARRATION_TARGET = "INVALID_NARRATION_TARGET"


class TourError(DomainError):
    """An expected failure of a tour, stop or narration query or change."""
