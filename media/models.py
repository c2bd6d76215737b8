"""Tables of the media area: presigned uploads and their claims, and tiled panoramas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.time import utcnow


class UploadStatus(StrEnum):
    """Where an upload stands: issued and waiting for its claim, or claimed once."""

    PENDING = "pending"
    USED = "used"


class MediaObject(Base):
    """An object a client was allowed to upload straight to storage (a presigned POST), for
    one purpose and subject, until it expires; claimed once (`media.uploads`)."""

    __tablename__ = "media_object"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default=UploadStatus.PENDING.value)
    content_type: Mapped[str] = mapped_column(String(80))
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    byte_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: What the upload was issued for, e.g. {"stop_id": 3, "lang": "vi"}; the claim checks it.
    subject: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Panorama(Base):
    """An equirectangular image, content-addressed, tiled for Pannellum and Marzipano."""

    __tablename__ = "panorama"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_format: Mapped[str] = mapped_column(String(8))
    source_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    face_size: Mapped[int] = mapped_column(Integer)
    tile_size: Mapped[int] = mapped_column(Integer)
    levels: Mapped[int] = mapped_column(SmallInteger)
    fallback_size: Mapped[int] = mapped_column(Integer)
    tile_count: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(BigInteger)
    level_bytes: Mapped[dict[str, Any]]
    fallback_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def prefix(self) -> str:
        """The folder of its objects in the store."""
        return f"panoramas/{self.sha256}"
