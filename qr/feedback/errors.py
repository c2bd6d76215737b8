"""Errors of visitors' feedback, each with a stable code."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class FeedbackErrorCode(StrEnum):
    """Stable codes of expected feedback failures."""

    FEEDBACK_PLACE_NOT_FOUND = "FEEDBACK_PLACE_NOT_FOUND"
    INVALID_FEEDBACK_CATEGORY = "INVALID_FEEDBACK_CATEGORY"
    FEEDBACK_TEXT_EMPTY = "FEEDBACK_TEXT_EMPTY"
    FEEDBACK_TEXT_TOO_LONG = "FEEDBACK_TEXT_TOO_LONG"
    INVALID_FEEDBACK_CONTACT = "INVALID_FEEDBACK_CONTACT"
    FEEDBACK_PHOTO_TOO_LARGE = "FEEDBACK_PHOTO_TOO_LARGE"
    FEEDBACK_FORM_EXPIRED = "FEEDBACK_FORM_EXPIRED"
    FEEDBACK_NOT_FOUND = "FEEDBACK_NOT_FOUND"
    INVALID_FEEDBACK_STATUS = "INVALID_FEEDBACK_STATUS"
    INVALID_FEEDBACK_MERGE = "INVALID_FEEDBACK_MERGE"
    FEEDBACK_ANSWER_TOO_LONG = "FEEDBACK_ANSWER_TOO_LONG"


class FeedbackError(DomainError):
    """An expected failure of a feedback submission or its handling."""
