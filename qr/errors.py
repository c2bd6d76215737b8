"""Errors of the QR area, each with a stable code."""

from __future__ import annotations

from core.errors import DomainError


class QrError(DomainError):
    """An expected failure of a QR code query or change."""

    code = "QR_ERROR"


class QrCodeNotFound(QrError):
    """No QR code has this short code."""

    code = "QR_CODE_NOT_FOUND"


class InvalidQrTarget(QrError):
    """A QR code target that does not exist or is not of a known kind."""

    code = "INVALID_QR_TARGET"
