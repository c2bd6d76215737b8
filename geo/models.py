"""Tables of the geo area: provinces, destinations, their opening periods and search terms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column

from core.base import Base
from core.time import utcnow
from geo.spatial_schema import postgis_point_indexes


class Category(StrEnum):
    """What kind of place a destination is."""

    MUSEUM = "museum"
    RELIC_SITE = "relic_site"
    PAGODA = "pagoda"
    TEMPLE = "temple"
    COMMUNAL_HOUSE = "communal_house"
    CHURCH = "church"
    PARK = "park"
    CRAFT_VILLAGE = "craft_village"
    ECO_TOURISM = "eco_tourism"
    BEACH = "beach"
    RESORT = "resort"
    HOTEL = "hotel"
    RESTAURANT = "restaurant"
    TOUR_OPERATOR = "tour_operator"
    SHOP = "shop"


class HeritageRanking(StrEnum):
    """The state's ranking of a relic."""

    SPECIAL_NATIONAL = "special_national"
    NATIONAL = "national"
    PROVINCIAL = "provincial"


class Status(StrEnum):
    """Whether the public sees a destination."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Province(Base):
    """A province (or centrally governed city) of Vietnam."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, str]]


class Destination(Base):
    """A place a visitor can go: a relic, a museum, a hotel, a beach..."""

    __tablename__ = "destination"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.PUBLISHED.value, index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    heritage_ranking: Mapped[str | None] = mapped_column(String(32), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    district: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]]
    address: Mapped[dict[str, str]]
    location: Mapped[WKBElement] = deferred(
        mapped_column(Geometry("POINT", srid=4326, spatial_index=False, nullable=False))
    )
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    prices: Mapped[list[dict[str, Any]]]
    contact: Mapped[dict[str, Any]]
    accessibility: Mapped[dict[str, Any]]
    #: Per text and language: when it last changed and who wrote it (geo/translations.py).
    text_meta: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lng: Mapped[float] = column_property(func.ST_X(location, type_=Float))
    lat: Mapped[float] = column_property(func.ST_Y(location, type_=Float))

    __table_args__ = postgis_point_indexes("destination", "location")


class OpeningPeriod(Base):
    """One weekly opening period, in minutes of local time (Asia/Ho_Chi_Minh)."""

    __tablename__ = "opening_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    opens_minute: Mapped[int] = mapped_column(SmallInteger)
    closes_minute: Mapped[int] = mapped_column(SmallInteger)  # exclusive, at most 1440

    __table_args__ = (Index("ix_opening_period_slot", "weekday", "opens_minute", "closes_minute"),)


class SearchTerm(Base):
    """A folded word of a destination's names and places, or a one-deletion variant of it."""

    __tablename__ = "search_term"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    is_variant: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[float] = mapped_column(Float)
    field_tokens: Mapped[int] = mapped_column(SmallInteger)
