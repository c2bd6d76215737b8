"""Shared GraphQL types: points, boxes, GeoJSON, Relay nodes and page info."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, NewType

import strawberry

from api.errors import ApiErrorCode
from core.errors import DomainError
from core.time import as_utc
from geo.geometry import BBox as BBoxValue
from geo.geometry import GeoPoint as GeoPointValue
from geo.geometry import check_bbox, check_point

#: The `lang` argument of every query and of every field whose value depends on the language:
#: a normalized client cache (Apollo's, urql's Graphcache) keys each language apart.
Lang = Annotated[
    str | None,
    strawberry.argument(description="BCP 47 language of the texts; else the enclosing "
                        "field's, else X-Tourism-Language, else Accept-Language."),
]

GeoJSON = NewType("GeoJSON", object)
#: Registered once, through the schema's scalar_map.
GEOJSON_SCALAR = strawberry.scalar(
    name="GeoJSON",
    description="An RFC 7946 geometry object, EPSG:4326, positions as [lng, lat].",
    serialize=lambda v: v,
    parse_value=lambda v: v,
)



def _parse_datetime(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("a DateTime needs its offset (e.g. 2025-01-31T08:00:00+07:00)")
    return as_utc(moment)


#: Every datetime of the API, registered once through the schema's scalar_map: ISO 8601 in UTC
#: with its offset, whatever the database kept (SQLite keeps none).
DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="A moment as ISO 8601 with its offset, in UTC: 2025-01-31T01:00:00+00:00.",
    serialize=lambda v: as_utc(v).isoformat(),
    parse_value=_parse_datetime,
)


class InvalidId(DomainError):
    """A global id that this service did not issue: INVALID_ID."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(ApiErrorCode.INVALID_ID, message, field=field)


@strawberry.type
class GeoPoint:
    """A position in WGS84 degrees."""

    lat: float
    lng: float

    @classmethod
    def of(cls, point: GeoPointValue) -> GeoPoint:
        """The GraphQL view of a point."""
        return cls(lat=point.lat, lng=point.lng)


@strawberry.type
class BBox:
    """A box in degrees."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def of(cls, box: BBoxValue) -> BBox:
        """The GraphQL view of a box."""
        return cls(west=box.west, south=box.south, east=box.east, north=box.north)


@strawberry.input
class GeoPointInput:
    """A position in WGS84 degrees."""

    lat: float
    lng: float

    def checked(self, field: str = "near") -> GeoPointValue:
        """The validated point."""
        return check_point(self.lat, self.lng, field=field)


@strawberry.input
class BBoxInput:
    """A box in degrees: west < east, south < north."""

    west: float
    south: float
    east: float
    north: float

    def checked(self) -> BBoxValue:
        """The validated box."""
        return check_bbox(self.west, self.south, self.east, self.north)


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    """Where a page stands in its list."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def to_global_id(type_name: str, key: int | str) -> strawberry.ID:
    """The opaque global id of an object."""
    raw = f"{type_name}:{key}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def from_global_id(global_id: str, expected: str | None = None) -> tuple[str, str]:
    """(type name, key) of a global id; InvalidId when malformed or of another type."""
    try:
        if len(global_id) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, key = raw.split(":", 1)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidId(f"{global_id!r} is not a valid id", field="id") from exc
    if expected is not None and type_name != expected:
        raise InvalidId(f"{global_id!r} is not the id of a {expected}", field="id")
    return type_name, key


def int_key(global_id: str, expected: str) -> int:
    """The integer key of a global id of the expected type."""
    _, key = from_global_id(global_id, expected)
    if not key.isdigit() or len(key) > 18:
        raise InvalidId(f"{global_id!r} is not a valid id", field="id")
    return int(key)

