"""Errors of guided stops and narrations, each with a stable code."""

from __future__ import annotations

from core.errors import DomainError


class StopError(DomainError):
    """An expected failure of a stop or narration query or change."""

    code = "STOP_ERROR"


class StopNotFound(StopError):
    """No stop has this id."""

    code = "STOP_NOT_FOUND"


class InvalidStop(StopError):
    """A stop's fields are not acceptable."""

    code = "INVALID_STOP"


class InvalidViewpoint(StopError):
    """A viewpoint whose scene does not exist or whose angles are out of range."""

    code = "INVALID_VIEWPOINT"


class NarrationUploadError(StopError):
    """A narration upload that cannot be confirmed."""

    code = "NARRATION_UPLOAD_INVALID"
