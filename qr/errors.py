"""Errors of the QR area, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class QrErrorCode(StrEnum):
    """Stable codes of expected QR failures."""

    QR_CODE_NOT_FOUND = "QR_CODE_NOT_FOUND"
    INVALID_QR_TARGET = "INVALID_QR_TARGET"
    INVALID_QR_CODE = "INVALID_QR_CODE"
    QR_CODE_TAKEN = "QR_CODE_TAKEN"
    QR_CODE_SPACE_EXHAUSTED = "QR_CODE_SPACE_EXHAUSTED"
    INVALID_QR_SIZE = "INVALID_QR_SIZE"
    INVALID_PERIOD = "INVALID_PERIOD"


class QrError(DomainError):
    """An expected failure of a QR code query or change."""
