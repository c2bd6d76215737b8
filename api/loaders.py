"""Per-request dataloaders: every relation field is one batched statement, never N+1."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from geo import service as geo_service
from geo.models import Destination, OpeningPeriod, Province


@dataclass
class Loaders:
    """The loaders of one request, sharing its session."""

    destination: DataLoader[int, Destination | None]
    province: DataLoader[str, Province | None]
    opening_periods: DataLoader[int, list[OpeningPeriod]]


def make_loaders(session: AsyncSession) -> Loaders:
    """Fresh loaders for one request."""

    async def load_destinations(ids: list[int]) -> list[Destination | None]:
        return await geo_service.get_destinations(session=session, ids=ids)

    async def load_provinces(codes: list[str]) -> list[Province | None]:
        return await geo_service.get_provinces(session=session, codes=codes)

    async def load_periods(ids: list[int]) -> list[list[OpeningPeriod]]:
        found = await geo_service.opening_periods(session=session, destination_ids=ids)
        return [found[i] for i in ids]

    return Loaders(
        destination=DataLoader(load_fn=load_destinations),
        province=DataLoader(load_fn=load_provinces),
        opening_periods=DataLoader(load_fn=load_periods),
    )
