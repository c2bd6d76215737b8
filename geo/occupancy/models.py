"""Tables of occupancy: each counter's readings of a site, kept by hour (UTC hours, which are
whole local hours in Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.base import Base


class OccupancyHour(Base):
    """What one counter (its API key) read at a site in one hour: how many readings, their sum
    and peak, and the latest one."""

    __tablename__ = "occupancy_hour"

    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True)
    counter_id: Mapped[int] = mapped_column(
        ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: The start of the hour (UTC).
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    readings: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    peak: Mapped[int] = mapped_column(Integer)
    last_count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
