"""Tables of the tours area: virtual tours, scenes and hotspots; guided stops and narrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column

from core.base import Base
from core.time import utcnow
from geo.spatial_schema import postgis_point_indexes

# -- virtual tours: tours, scenes, hotspots -----------------------------------------------


class Tour(Base):
    """A 360° virtual tour of a destination: linked scenes, each a panorama."""

    __tablename__ = "tour"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]]
    floor_plan_key: Mapped[str | None] = mapped_column(String(512))
    auto_rotate: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Scene(Base):
    """One viewpoint of a tour: a panorama placed on the map or a floor plan (angles in
    degrees; north_offset is the compass heading of the panorama's centre)."""

    __tablename__ = "scene"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"), index=True)
    panorama_id: Mapped[int] = mapped_column(ForeignKey("panorama.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[dict[str, str]]
    location: Mapped[WKBElement | None] = deferred(
        mapped_column(Geometry("POINT", srid=4326, spatial_index=False, nullable=True)))
    floor_plan_x: Mapped[float | None] = mapped_column(Float)
    floor_plan_y: Mapped[float | None] = mapped_column(Float)
    north_offset: Mapped[float] = mapped_column(Float, default=0.0)
    initial_yaw: Mapped[float] = mapped_column(Float, default=0.0)
    initial_pitch: Mapped[float] = mapped_column(Float, default=0.0)
    initial_hfov: Mapped[float] = mapped_column(Float, default=100.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lng: Mapped[float | None] = column_property(func.ST_X(location, type_=Float))
    lat: Mapped[float | None] = column_property(func.ST_Y(location, type_=Float))

    __table_args__ = postgis_point_indexes("scene", "location")


class Hotspot(Base):
    """A point in a scene (yaw/pitch, degrees): a link to another scene, an information
    text, or a stop with its narration."""

    __tablename__ = "hotspot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # scene, info or stop
    yaw: Mapped[float] = mapped_column(Float)
    pitch: Mapped[float] = mapped_column(Float)
    text: Mapped[dict[str, str]]
    target_scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene.id", ondelete="CASCADE"), index=True)
    target_yaw: Mapped[float | None] = mapped_column(Float)
    target_pitch: Mapped[float | None] = mapped_column(Float)
    target_hfov: Mapped[float | None] = mapped_column(Float)
    stop_id: Mapped[int | None] = mapped_column(Integer, index=True)
    url: Mapped[str | None] = mapped_column(String(1000))


# -- guided stops and their narrations ------------------------------------------------------


class Stop(Base):
    """An exhibit or point of a site's route, with texts per language, an optional view in a
    360° tour (scene + yaw/pitch/hfov in degrees) and an optional trigger zone (tours.zones):
    a geodesic circle or a polygon, whose `zone` geometry is what the spatial index holds
    (the polygon itself, or boxes that surely hold the circle)."""

    __tablename__ = "stop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]]
    text: Mapped[dict[str, str]]
    viewpoint_scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene.id", ondelete="SET NULL"), index=True)
    viewpoint_yaw: Mapped[float | None] = mapped_column(Float)
    viewpoint_pitch: Mapped[float | None] = mapped_column(Float)
    viewpoint_hfov: Mapped[float | None] = mapped_column(Float)
    zone_kind: Mapped[str | None] = mapped_column(String(16))  # circle or polygon
    zone_radius_m: Mapped[float | None] = mapped_column(Float)
    zone_center: Mapped[WKBElement | None] = deferred(
        mapped_column(Geometry("POINT", srid=4326, spatial_index=False, nullable=True)))
    zone: Mapped[WKBElement | None] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=False, nullable=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    zone_lng: Mapped[float | None] = column_property(func.ST_X(zone_center, type_=Float))
    zone_lat: Mapped[float | None] = column_property(func.ST_Y(zone_center, type_=Float))

    __table_args__ = (Index("ix_stop_route", "destination_id", "position"),
                      *postgis_point_indexes("stop", "zone", geography=False))


class Narration(Base):
    """One language's audio of a stop, or of a whole site (`destination_id`: what its own
    code plays; exactly one of the two is set), with its WebVTT transcript: the audio as first
    given (`audio_*`) and the same recording in other formats (`alternatives`, e.g. MP3 beside
    an Ogg: each {"key", "type", "codec", "bytes", "durationS"}, `tours.stops.audio_sources`)."""

    __tablename__ = "narration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stop.id", ondelete="CASCADE"),
                                                index=True)
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    audio_key: Mapped[str] = mapped_column(String(512))
    audio_type: Mapped[str] = mapped_column(String(32))
    audio_codec: Mapped[str] = mapped_column(String(16))
    audio_bytes: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(default=list,
                                                              server_default="[]")
    transcript_key: Mapped[str] = mapped_column(String(512))
    transcript_text: Mapped[str] = mapped_column(Text)
    translation: Mapped[str] = mapped_column(String(16))  # original, human or machine
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("stop_id", "lang"),
                      UniqueConstraint("destination_id", "lang"),
                      CheckConstraint("(stop_id IS NULL) <> (destination_id IS NULL)",
                                      name="one_subject"))


__all__ = ["Base"]
