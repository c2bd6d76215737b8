"""Errors of occupancy counts, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class OccupancyErrorCode(StrEnum):
    """Stable codes of expected failures of a people counter's post."""

    INVALID_OCCUPANCY_COUNT = "INVALID_OCCUPANCY_COUNT"
    INVALID_OCCUPANCY_TIME = "INVALID_OCCUPANCY_TIME"


class OccupancyError(DomainError):
    """An expected failure of a counter's post."""
