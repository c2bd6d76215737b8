"""Tables of listings kept by businesses: owners, proposed changes, versions, photos, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

import accounts.models  # noqa: F401  (the "account" table that the foreign keys name)
import geo.models  # noqa: F401  (the "destination" table)
from core.base import Base
from core.time import utcnow


class DestinationOwner(Base):
    """An account that keeps a destination's listing; `verified` is set by staff only."""

    __tablename__ = "destination_owner"

    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True, index=True)
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListingChange(Base):
    """An owner's proposed edit of a listing, waiting for (or decided by) staff."""

    __tablename__ = "listing_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    result_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        # At most one pending change per listing: a second edit of the same version conflicts.
        Index("uq_listing_change_pending", "destination_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )


class ListingVersion(Base):
    """A listing as the public saw it from one approval to the next (version 1: as seeded)."""

    __tablename__ = "listing_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]]
    change_id: Mapped[int | None] = mapped_column(ForeignKey("listing_change.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("destination_id", "version",
                                       name="uq_listing_version_destination_version"),)


class ListingPhoto(Base):
    """A photo an owner uploaded for a listing: staged, then checked and resized."""

    __tablename__ = "listing_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="uploading")
    upload_key: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    variants: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what to a listing, and when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"),
                                                         nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), nullable=True, index=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("listing_change.id"),
                                                  nullable=True)
    detail: Mapped[dict[str, Any]]
