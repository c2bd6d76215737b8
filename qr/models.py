"""Tables of the QR area: printed short codes, and the daily counts of what visitors use (scans,
narration plays, tour views)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base
from core.time import utcnow


class TargetKind(StrEnum):
    """What a QR code opens."""

    STOP = "stop"
    DESTINATION = "destination"
    SCENE = "scene"


class Channel(StrEnum):
    """How a use was answered: the app (JSON, or `channel=app`), the web page, or a kiosk
    (`channel=kiosk`)."""

    APP = "app"
    WEB = "web"
    KIOSK = "kiosk"


class UsageKind(StrEnum):
    """What a visitor used: a QR code scanned, a narration played, a tour viewed."""

    SCAN = "scan"
    PLAY = "play"
    VIEW = "view"


class QrCode(Base):
    """A printed short code; its target can change without reprinting."""

    __tablename__ = "qr_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    stop_id: Mapped[int | None] = mapped_column(
        ForeignKey("stop.id", ondelete="SET NULL"), index=True)
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("destination.id", ondelete="SET NULL"), index=True)
    scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene.id", ondelete="SET NULL"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def target_id(self) -> int | None:
        """The id of the current target (None when it was deleted)."""
        return {TargetKind.STOP: self.stop_id, TargetKind.DESTINATION: self.destination_id,
                TargetKind.SCENE: self.scene_id}.get(TargetKind(self.target_kind))


class UsageCount(Base):
    """How many times visitors used something on a day (Asia/Ho_Chi_Minh), per site, target,
    language and channel: nothing about who. A scan counts under its code and the code's
    target (stop, destination, scene); a play under the narration's stop and language; a view
    under its tour (`target_kind` "tour"). `qr_code_id` is 0 for what came through no code."""

    __tablename__ = "usage_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True, index=True)
    target_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    qr_code_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
