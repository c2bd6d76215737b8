"""Errors of the media area, each with a stable code."""

from __future__ import annotations

from geo.errors import DomainError


class MediaError(DomainError):
    """An expected failure of storing, checking or converting media."""

    code = "MEDIA_ERROR"
