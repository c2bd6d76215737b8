"""What a play link names (`/play/{narration}/{format}`): a narration's recording in one format,
with the stop and site a play of it is counted under."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.models import Destination, Status
from media.audio import AUDIO_TYPES
from tours.models import Narration, Stop
from tours.stops import audio_sources


@dataclass(frozen=True, slots=True)
class Playable:
    """A narration's formats (file extension → stored key), and what its plays count under."""

    narration_id: int
    #: The stop told of, or None for a site's own narration.
    stop_id: int | None
    destination_id: int
    lang: str
    keys: dict[str, str]
    #: Whether the site is published (a draft's narrations play for staff, uncounted).
    published: bool


def format_of(content_type: str) -> str:
    """The format name of a play link for an audio type (mp3, m4a, ogg)."""
    return AUDIO_TYPES[content_type]


def play_path(narration_id: int, content_type: str) -> str:
    """The app's path that counts a play of a narration's recording and sends the player to
    the stored file."""
    return f"/play/{narration_id}/{format_of(content_type)}"


async def get_playable(*, session: AsyncSession, narration_id: int) -> Playable | None:
    """A narration's formats with its stop and site, or None when there is no such narration."""
    site = func.coalesce(Narration.destination_id, Stop.destination_id)  # a site's own, or a stop's
    found = (await session.execute(
        select(Narration, site, Destination.status)
        .outerjoin(Stop, Stop.id == Narration.stop_id)
        .join(Destination, Destination.id == site)
        .where(Narration.id == narration_id))).first()
    if found is None:
        return None
    narration, destination_id, status = found
    keys: dict[str, str] = {}
    for source in audio_sources(narration):
        keys.setdefault(format_of(source.content_type), source.key)
    return Playable(narration_id=narration.id, stop_id=narration.stop_id,
                    destination_id=destination_id, lang=narration.lang, keys=keys,
                    published=status == Status.PUBLISHED.value)
