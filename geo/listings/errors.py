"""Errors of listings kept by businesses, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class ListingErrorCode(StrEnum):
    """Stable codes of expected listing failures."""

    INVALID_LISTING_CHANGE = "INVALID_LISTING_CHANGE"
    LISTING_VERSION_CONFLICT = "LISTING_VERSION_CONFLICT"
    LISTING_CHANGE_NOT_PENDING = "LISTING_CHANGE_NOT_PENDING"
    LISTING_NOT_FOUND = "LISTING_NOT_FOUND"
    LISTING_CHANGE_NOT_FOUND = "LISTING_CHANGE_NOT_FOUND"
    REASON_REQUIRED = "REASON_REQUIRED"
    STAFF_FIELD = "STAFF_FIELD"
    PHOTO_NOT_FOUND = "PHOTO_NOT_FOUND"
    PHOTO_ALREADY_CONFIRMED = "PHOTO_ALREADY_CONFIRMED"
    PHOTO_TYPE_NOT_ALLOWED = "PHOTO_TYPE_NOT_ALLOWED"
    PHOTO_NOT_UPLOADED = "PHOTO_NOT_UPLOADED"


class ListingError(DomainError):
    """An expected failure of a listing change."""
