"""What the department has written about its published sites, language by language."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.models import Destination, Status


@dataclass(frozen=True, slots=True)
class SiteTexts:
    """A site's slug and Vietnamese name, and the languages its name and description have."""

    destination_id: int
    slug: str
    name_vi: str
    name_langs: frozenset[str]
    description_langs: frozenset[str]
    published: bool


def _written(texts: dict[str, str]) -> frozenset[str]:
    return frozenset(lang for lang, text in texts.items() if text and text.strip())


async def site_texts(*, session: AsyncSession, also: Collection[int] = ()
                     ) -> list[SiteTexts]:
    """Every published site, and the unpublished ones among `also`, by slug."""
    stmt = (select(Destination.id, Destination.slug, Destination.status, Destination.name,
                   Destination.description)
            .where((Destination.status == Status.PUBLISHED.value)
                   | Destination.id.in_(list(also)))
            .order_by(Destination.slug))
    return [SiteTexts(destination_id=i, slug=slug, name_vi=(name or {}).get("vi", slug),
                      name_langs=_written(name or {}),
                      description_langs=_written(description or {}),
                      published=status == Status.PUBLISHED.value)
            for i, slug, status, name, description in (await session.execute(stmt)).all()]
