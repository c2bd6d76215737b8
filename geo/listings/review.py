"""What a reviewer compares: a proposed change field by field, the listing as it is against the
listing as it would be, texts language by language, with the translations that a change of
their source leaves stale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor
from geo.listings.models import ListingChange, ListingPhoto
from geo.listings.service import (
    get_change,
    latest_version,
    listing_content,
    listing_destination,
)
from geo.models import Destination

#: The languages whose text is the source of the others (a change to them can leave the
#: others stale).
SOURCE_LANGUAGES = ("vi", "en")
TEXT_FIELDS = ("description",)


@dataclass(frozen=True, slots=True)
class TextRow:
    """One language of a text: before, after, and what happened to it."""

    lang: str
    before: str
    after: str
    #: added, changed, removed, same, or stale (kept while its source changed)
    state: str


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One changed field: its value before and after, and for texts the rows per language."""

    name: str
    before: Any
    after: Any
    texts: Sequence[TextRow] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ChangeReview:
    """A change and what it does to its listing."""

    change: ListingChange
    destination: Destination
    fields: Sequence[FieldDiff]
    #: photos by id: their variants (thumbnail, medium, large → jpeg/webp keys)
    photos: Mapping[int, Mapping[str, Any]]

    @property
    def stale_languages(self) -> list[str]:
        """The languages whose text stays as it was while its source text changes."""
        return sorted({row.lang for diff in self.fields for row in diff.texts
                       if row.state == "stale"})


def text_rows(before: Mapping[str, str] | None, after: Mapping[str, str] | None
              ) -> list[TextRow]:
    """A text's languages compared, sources first; translations kept while a source text
    changed are stale."""
    before, after = before or {}, after or {}
    source_changed = any(before.get(lang, "") != after.get(lang, "")
                         for lang in SOURCE_LANGUAGES if lang in before or lang in after)
    rows = []
    for lang in sorted(set(before) | set(after),
                       key=lambda tag: (tag not in SOURCE_LANGUAGES, tag)):
        old, new = before.get(lang, ""), after.get(lang, "")
        if old == new:
            state = "stale" if source_changed and lang not in SOURCE_LANGUAGES and new else "same"
        else:
            state = "added" if not old else "removed" if not new else "changed"
        rows.append(TextRow(lang=lang, before=old, after=new, state=state))
    return rows


async def review_change(*, session: AsyncSession, actor: Actor, change_id: int
                        ) -> ChangeReview:
    """A change compared with its listing (staff, or the owner who may see it)."""
    change = await get_change(session=session, actor=actor, change_id=change_id)
    destination = await listing_destination(session, change.destination_id)
    before = listing_content(destination, await latest_version(session, destination.id))
    diffs = []
    for name in sorted(change.fields):
        old, new = before.get(name), change.fields[name]
        diffs.append(FieldDiff(name=name, before=old, after=new,
                               texts=text_rows(old, new) if name in TEXT_FIELDS else ()))
    photo_ids = {p["id"] if isinstance(p, dict) else p for diff in diffs
                 if diff.name == "photos" for p in [*(diff.before or []), *(diff.after or [])]}
    photos = {p.id: p.variants for p in (await session.execute(select(ListingPhoto).where(
        ListingPhoto.id.in_(photo_ids)))).scalars()} if photo_ids else {}
    return ChangeReview(change=change, destination=destination, fields=diffs, photos=photos)
