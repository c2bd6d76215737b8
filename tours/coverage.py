"""How much of each site's guide is narrated, language by language."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tours.models import Narration, Stop


@dataclass(frozen=True, slots=True)
class GuideCoverage:
    """A site's stops, and per language how many of them have a narration."""

    stops: int = 0
    narrated: dict[str, int] = field(default_factory=dict)


async def guide_coverage(*, session: AsyncSession) -> dict[int, GuideCoverage]:
    """Every site with stops: its stops and its narrated stops per language."""
    stops = dict((await session.execute(
        select(Stop.destination_id, func.count()).group_by(Stop.destination_id))).all())
    narrated: dict[int, dict[str, int]] = defaultdict(dict)
    for site, lang, count in (await session.execute(
            select(Stop.destination_id, Narration.lang, func.count(func.distinct(Stop.id)))
            .join(Narration, Narration.stop_id == Stop.id)
            .group_by(Stop.destination_id, Narration.lang))).all():
        narrated[site][lang] = int(count)
    return {site: GuideCoverage(stops=int(count), narrated=narrated.get(site, {}))
            for site, count in stops.items()}
