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


class PanoramaStatus(StrEnum):
    """Where a panorama's ingest stands: recorded and waiting for its tiles, tiled for every
    viewer, or refused (with the code of why)."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Panorama(Base):
    """An equirectangular image, content-addressed, tiled for Pannellum and Marzipano.

    Added from an upload, it is PENDING until the tiler (`media.ingest`) has read it: until
    READY its digest and sizes are NULL (they are typed as a READY row has them: only READY
    panoramas reach the viewers, `ready` says which). Several rows may show one image; the one
    whose `tiles_claim` is the digest made (or is making) its tiles, the others wait for it and
    never write or delete them.
    """

    __tablename__ = "panorama"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=PanoramaStatus.READY.value,
                                        server_default=PanoramaStatus.READY.value)
    #: A `MediaErrorCode` when FAILED.
    failure: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The upload it was added from (None for images added from a file).
    upload_key: Mapped[str | None] = mapped_column(String(512), unique=True, nullable=True)
    #: Set while an ingest works on it: another one waits until this moment has passed.
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True, nullable=True)
    #: The digest whose tiles this row owns (one owner per image).
    tiles_claim: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    source_format: Mapped[str] = mapped_column(String(8), nullable=True)
    source_bytes: Mapped[int] = mapped_column(BigInteger, nullable=True)
    width: Mapped[int] = mapped_column(Integer, nullable=True)
    height: Mapped[int] = mapped_column(Integer, nullable=True)
    face_size: Mapped[int] = mapped_column(Integer, nullable=True)
    tile_size: Mapped[int] = mapped_column(Integer, nullable=True)
    levels: Mapped[int] = mapped_column(SmallInteger, nullable=True)
    fallback_size: Mapped[int] = mapped_column(Integer, nullable=True)
    tile_count: Mapped[int] = mapped_column(Integer, nullable=True)
    byte_size: Mapped[int] = mapped_column(BigInteger, nullable=True)
    level_bytes: Mapped[dict[str, Any]] = mapped_column(nullable=True)
    fallback_bytes: Mapped[int] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def ready(self) -> bool:
        """Whether its tiles are all stored (the viewers show it)."""
        return self.status == PanoramaStatus.READY.value

    @property
    def prefix(self) -> str:
        """The folder of its objects in the store."""
        return f"panoramas/{self.sha256}"
