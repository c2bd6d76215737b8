"""Demo data: real destinations of Bình Dương, Nghệ An and Bắc Ninh."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.models import Destination, Province
from geo.service import NewDestination, create_destination


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("geo.demo").joinpath(name).read_text("utf-8"))
    return data


def demo_provinces() -> list[dict[str, Any]]:
    """The provinces of the demo data."""
    provinces: list[dict[str, Any]] = _read("provinces.json")["provinces"]
    return provinces


def demo_destinations() -> list[dict[str, Any]]:
    """The demo destinations as records."""
    records: list[dict[str, Any]] = _read("destinations.json")["destinations"]
    return records


def new_destination(record: dict[str, Any]) -> NewDestination:
    """A demo record as a destination to create."""
    return NewDestination(
        slug=record["slug"], category=record["category"], province_code=record["province"],
        name=record["name"], description=record.get("description") or {},
        address=record.get("address") or {}, district=record.get("district"),
        heritage_ranking=record.get("heritage_ranking"),
        lat=record["location"]["lat"], lng=record["location"]["lng"],
        opening_hours=record.get("opening_hours"), prices=record.get("prices") or [],
        contact=record.get("contact") or {}, accessibility=record.get("accessibility") or {},
    )


async def ensure_provinces(*, session: AsyncSession) -> None:
    """Adds the demo provinces that are missing."""
    known = set((await session.execute(select(Province.code))).scalars())
    session.add_all(Province(code=p["code"], name=p["name"])
                    for p in demo_provinces() if p["code"] not in known)
    await session.flush()


async def load_demo(*, session: AsyncSession, if_empty: bool = True) -> int:
    """Loads the demo destinations (only into an empty database when if_empty); gives the count."""
    await ensure_provinces(session=session)
    if if_empty and (await session.execute(select(func.count(Destination.id)))).scalar_one():
        return 0
    known = set((await session.execute(select(Destination.slug))).scalars())
    added = 0
    for record in demo_destinations():
        if record["slug"] not in known:
            await create_destination(session=session, data=new_destination(record))
            added += 1
    return added
