"""Errors of the geo area, each with a stable code that clients can switch on."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class GeoErrorCode(StrEnum):
    """Stable codes of expected geo failures."""

    INVALID_COORDINATES = "INVALID_COORDINATES"
    INVALID_RADIUS = "INVALID_RADIUS"
    INVALID_BBOX = "INVALID_BBOX"
    INVALID_GEOJSON = "INVALID_GEOJSON"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    ROUTE_TOO_COMPLEX = "ROUTE_TOO_COMPLEX"
    INVALID_BUFFER = "INVALID_BUFFER"
    INVALID_SEARCH_TEXT = "INVALID_SEARCH_TEXT"
    INVALID_ZOOM = "INVALID_ZOOM"
    INVALID_DESTINATION = "INVALID_DESTINATION"
    DESTINATION_NOT_FOUND = "DESTINATION_NOT_FOUND"


class GeoError(DomainError):
    """An expected failure of a geo query or change."""
