"""Destinations: reading, filtering, listing and creating them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import ColumnElement, Select, and_, column, exists, select, table, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.paging import Page, PageRequest, page_of
from geo.errors import GeoError, GeoErrorCode
from geo.geometry import check_point
from geo.hours import local_slot, periods
from geo.models import Category, Destination, HeritageRanking, OpeningPeriod, Province, Status
from geo.search_index import search_terms_for

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class DestinationFilter:
    """What every destination query can narrow by; empty tuples mean "any"."""

    categories: tuple[str, ...] = ()
    rankings: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    open_now: bool | None = None
    has_tour: bool | None = None
    has_audio: bool | None = None
    include_drafts: bool = False
    now: datetime | None = None


@dataclass(slots=True)
class NewDestination:
    """The fields of a destination to create."""

    slug: str
    category: str
    province_code: str
    name: dict[str, str]
    lat: float
    lng: float
    description: dict[str, str] = field(default_factory=dict)
    address: dict[str, str] = field(default_factory=dict)
    district: str | None = None
    heritage_ranking: str | None = None
    opening_hours: dict[str, Any] | None = None
    prices: list[dict[str, Any]] = field(default_factory=list)
    contact: dict[str, Any] = field(default_factory=dict)
    accessibility: dict[str, Any] = field(default_factory=dict)
    status: str = Status.PUBLISHED.value


# The tours area builds on geo, so geo names its tables here instead of importing them.
_TOUR = table("tour", column("destination_id"), column("status"))
_STOP = table("stop", column("id"), column("destination_id"))
_NARRATION = table("narration", column("stop_id"))
#: Filters are predicates on the tables' own columns: statements of rows of columns stay Core
#: statements (no ORM compile), and ORM queries take them alike.
_DESTINATION = Destination.__table__.c
_PERIOD = OpeningPeriod.__table__.c


def _has_tour() -> ColumnElement[bool]:
    return exists().where(_TOUR.c.destination_id == _DESTINATION.id,
                          _TOUR.c.status == Status.PUBLISHED.value)


def _has_audio() -> ColumnElement[bool]:
    return exists(select(_STOP.c.id).select_from(
        _STOP.join(_NARRATION, _NARRATION.c.stop_id == _STOP.c.id)
    ).where(_STOP.c.destination_id == _DESTINATION.id))


def filter_clauses(flt: DestinationFilter | None) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a destination filter (published only unless drafts are asked)."""
    flt = flt or DestinationFilter()
    clauses: list[ColumnElement[bool]] = []
    if not flt.include_drafts:
        clauses.append(_DESTINATION.status == Status.PUBLISHED.value)
    if flt.categories:
        clauses.append(_DESTINATION.category.in_(flt.categories))
    if flt.rankings:
        clauses.append(_DESTINATION.heritage_ranking.in_(flt.rankings))
    if flt.provinces:
        clauses.append(_DESTINATION.province_code.in_(flt.provinces))
    if flt.open_now is not None:
        if flt.now is None:
            raise ValueError("open_now needs the current time")
        weekday, minute = local_slot(flt.now)
        open_clause = exists().where(
            _PERIOD.destination_id == _DESTINATION.id,
            _PERIOD.weekday == weekday,
            _PERIOD.opens_minute <= minute,
            _PERIOD.closes_minute > minute,
        )
        clauses.append(open_clause if flt.open_now else ~open_clause)
    if flt.has_tour is not None:
        clauses.append(_has_tour() if flt.has_tour else ~_has_tour())
    if flt.has_audio is not None:
        clauses.append(_has_audio() if flt.has_audio else ~_has_audio())
    return clauses


def filtered(stmt: Select[Any], flt: DestinationFilter | None) -> Select[Any]:
    """A select narrowed by a destination filter."""
    clauses = filter_clauses(flt)
    return stmt.where(and_(true(), *clauses)) if clauses else stmt


async def get_destination(
    *, session: AsyncSession, destination_id: int, include_drafts: bool = False
) -> Destination | None:
    """Gets a destination by its id (published only, unless drafts are asked)."""
    stmt = filtered(select(Destination).where(Destination.id == destination_id),
                    DestinationFilter(include_drafts=include_drafts))
    found: Destination | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def get_destinations(
    *, session: AsyncSession, ids: Sequence[int], include_drafts: bool = False
) -> list[Destination | None]:
    """Gets destinations by id, in the order of ids (None where missing): one statement."""
    if not ids:
        return []
    stmt = filtered(select(Destination).where(Destination.id.in_(set(ids))),
                    DestinationFilter(include_drafts=include_drafts))
    found = {d.id: d for d in (await session.execute(stmt)).scalars()}
    return [found.get(i) for i in ids]


async def list_destinations(
    *, session: AsyncSession, flt: DestinationFilter | None, page: PageRequest
) -> Page[Destination]:
    """Destinations matching a filter, in id order, one keyset page."""
    stmt = filtered(select(Destination), flt)
    if page.after is not None:
        (after_id,) = page.after
        stmt = stmt.where(Destination.id > after_id)
    stmt = stmt.order_by(Destination.id).limit(page.first + 1)
    rows = [(d, (d.id,)) for d in (await session.execute(stmt)).scalars()]
    return page_of(rows, page.first)


async def opening_periods(
    *, session: AsyncSession, destination_ids: Sequence[int]
) -> dict[int, list[OpeningPeriod]]:
    """The opening periods of several destinations, one statement."""
    result: dict[int, list[OpeningPeriod]] = {i: [] for i in destination_ids}
    if not destination_ids:
        return result
    stmt = select(OpeningPeriod).where(OpeningPeriod.destination_id.in_(set(destination_ids)))
    for period in (await session.execute(stmt.order_by(OpeningPeriod.id))).scalars():
        result[period.destination_id].append(period)
    return result


async def get_provinces(*, session: AsyncSession, codes: Sequence[str]) -> list[Province | None]:
    """Gets provinces by code, in the order of codes, one statement."""
    found = {p.code: p for p in (await session.execute(
        select(Province).where(Province.code.in_(set(codes))))).scalars()}
    return [found.get(c) for c in codes]


async def list_provinces(*, session: AsyncSession) -> list[Province]:
    """Every province, by code."""
    return list((await session.execute(select(Province).order_by(Province.code))).scalars())


def check_destination(data: NewDestination) -> None:
    """Refuses a destination's fields that are not valid (INVALID_DESTINATION, on the field)."""
    def bad(message: str, fld: str) -> GeoError:
        return GeoError(GeoErrorCode.INVALID_DESTINATION, message, field=fld)

    if not _SLUG.match(data.slug) or len(data.slug) > 120:
        raise bad("slug must be lower-case kebab-case ASCII", "slug")
    if data.category not in {c.value for c in Category}:
        raise bad(f"unknown category {data.category!r}", "category")
    if data.heritage_ranking is not None and data.heritage_ranking not in {
        r.value for r in HeritageRanking
    }:
        raise bad(f"unknown heritage ranking {data.heritage_ranking!r}", "heritageRanking")
    if data.status not in {s.value for s in Status}:
        raise bad(f"unknown status {data.status!r}", "status")
    if not any(isinstance(v, str) and v.strip() for v in data.name.values()):
        raise bad("a destination needs a name in at least one language", "name")
    check_point(data.lat, data.lng, field="location")


async def create_destination(*, session: AsyncSession, data: NewDestination) -> Destination:
    """Creates a destination with its opening periods and search terms (not committed)."""
    check_destination(data)
    found_periods = periods(data.opening_hours)
    province = await session.get(Province, data.province_code)
    if province is None:
        raise GeoError(GeoErrorCode.INVALID_DESTINATION,
                       f"unknown province {data.province_code!r}", field="provinceCode")
    destination = Destination(
        slug=data.slug, status=data.status, category=data.category,
        heritage_ranking=data.heritage_ranking, province_code=data.province_code,
        district=data.district, name=data.name, description=data.description,
        address=data.address, opening_hours=data.opening_hours, prices=data.prices,
        contact=data.contact, accessibility=data.accessibility,
        location=WKTElement(f"POINT({data.lng!r} {data.lat!r})", srid=4326),
    )
    session.add(destination)
    await session.flush()
    session.add_all(
        OpeningPeriod(destination_id=destination.id, weekday=p.weekday,
                      opens_minute=p.opens_minute, closes_minute=p.closes_minute)
        for p in found_periods
    )
    session.add_all(search_terms_for(destination, province))
    await session.flush()
    return destination



async def get_destination_by_slug(
    *, session: AsyncSession, slug: str, include_drafts: bool = False
) -> Destination | None:
    """Gets a destination by its slug (published only, unless drafts are asked)."""
    stmt = filtered(select(Destination).where(Destination.slug == slug),
                    DestinationFilter(include_drafts=include_drafts))
    found: Destination | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def find_destination(*, session: AsyncSession, slug_or_id: str) -> Destination | None:
    """Gets a destination, drafts included, by what staff type: its slug, or its id in digits."""
    if slug_or_id.isdigit():
        return await get_destination(session=session, destination_id=int(slug_or_id),
                                     include_drafts=True)
    return await get_destination_by_slug(session=session, slug=slug_or_id, include_drafts=True)


async def destination_ids_by_slug(*, session: AsyncSession, slugs: Sequence[str]
                                  ) -> dict[str, int]:
    """The ids of destinations (drafts included) by slug; unknown slugs are absent."""
    if not slugs:
        return {}
    rows = await session.execute(select(Destination.slug, Destination.id).where(
        Destination.slug.in_(set(slugs))))
    return {slug: id_ for slug, id_ in rows.tuples()}
