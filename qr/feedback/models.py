"""Tables of visitors' feedback: one row an item, with its place, category, status, the
department's answer and target time; the visitor's contact until the retention period ends."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.time import utcnow


class Category(StrEnum):
    """What a visitor reports about."""

    WRONG_INFORMATION = "wrong_information"
    NOT_WORKING = "not_working"            # audio or exhibit not working
    CLEANLINESS = "cleanliness"
    PRICES = "prices"                      # prices and overcharging
    SAFETY = "safety"
    ACCESSIBILITY = "accessibility"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class Status(StrEnum):
    """Where an item stands: received → in progress → resolved or declined."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DECLINED = "declined"


OPEN = frozenset({Status.RECEIVED, Status.IN_PROGRESS})


class Feedback(Base):
    """A visitor's report about a place (a site, one of its stops or scenes)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the visitor keeps to follow the item: PA-<year>-<8 symbols>, unguessable.
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # qr.models.TargetKind
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qr_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("qr_code.id", ondelete="SET NULL"), nullable=True)
    channel: Mapped[str] = mapped_column(String(8))  # qr.models.Channel: web form or app
    category: Mapped[str] = mapped_column(String(24), index=True)
    text: Mapped[str] = mapped_column(Text)
    #: The language the visitor wrote from (the page's): the tracking page and replies use it.
    lang: Mapped[str] = mapped_column(String(35))
    #: The photo's cleaned sizes ({size: {"jpeg": key, "webp": key}}), when one was sent.
    photo: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    #: An e-mail or phone number: staff only, deleted after the retention period.
    contact: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_purged_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value, index=True)
    #: The site's management board the item is assigned to (its name, as staff write it).
    assigned_to: Mapped[str | None] = mapped_column(String(160), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    answered_by: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), nullable=True)
    #: A duplicate points at the item it was merged into (the tracking page follows it).
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The target time of the item's category, from its creation.
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
