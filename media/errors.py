"""Errors of the media area, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class MediaError(DomainError):
    """An expected failure of storing, checking or converting media."""

    code = "MEDIA_ERROR"


class PanoramaErrorCode(StrEnum):
    """Stable codes of refused panoramas."""

    UNSUPPORTED_FORMAT = "UNSUPPORTED_IMAGE_FORMAT"
    NOT_EQUIRECTANGULAR = "NOT_EQUIRECTANGULAR"
    TOO_LARGE = "PANORAMA_TOO_LARGE"
    TOO_SMALL = "PANORAMA_TOO_SMALL"
    DECOMPRESSION_BOMB = "DECOMPRESSION_BOMB"
    CORRUPT = "CORRUPT_IMAGE"
    TRUNCATED = "TRUNCATED_IMAGE"
    PANORAMA_NOT_FOUND = "PANORAMA_NOT_FOUND"


class PanoramaError(MediaError):
    """A panorama that the service refuses, with the reason's code."""

    def __init__(self, code: PanoramaErrorCode, message: str, *, field: str | None = None):
        super().__init__(message, code=code.value, field=field)


class UploadErrorCode(StrEnum):
    """Stable codes of refused uploads (a purpose may give clients its own code for one)."""

    TYPE_NOT_ALLOWED = "UPLOAD_TYPE_NOT_ALLOWED"
    NOT_FOUND = "UPLOAD_NOT_FOUND"
    EXPIRED = "UPLOAD_EXPIRED"
    NOT_RECEIVED = "UPLOAD_NOT_RECEIVED"
    TOO_LARGE = "UPLOAD_TOO_LARGE"


class UploadError(MediaError):
    """An upload that cannot be started or claimed, with the code its purpose gives it."""
