"""Listings kept by businesses: owners propose changes, staff approve or reject them, every
version is kept and every step is in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from accounts.permissions import (
    Actor,
    require_admin,
    require_owner_or_staff,
    require_signed_in,
    require_staff,
)
from core.paging import Page, PageRequest, page_of
from geo.hours import periods
from geo.listings.checks import check_fields
from geo.listings.errors import ListingError, ListingErrorCode
from geo.listings.models import (
    AuditEvent,
    DestinationOwner,
    ListingChange,
    ListingPhoto,
    ListingVersion,
)
from geo.models import Destination, HeritageRanking, OpeningPeriod, Status
from geo.translations import touched

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
#: Listing fields kept on the destination row itself (the rest live in the version snapshot).
DESTINATION_FIELDS = ("description", "opening_hours", "prices", "contact", "accessibility")


@dataclass(frozen=True, slots=True)
class ListingState:
    """A listing as the public sees it now, with its version number."""

    destination: Destination
    version: int
    content: dict[str, Any]


def record(session: AsyncSession, *, actor: Actor, action: str, destination_id: int | None,
           change_id: int | None = None, detail: dict[str, Any] | None = None,
           now: datetime) -> None:
    """Adds an audit event: who did what, to which listing, when."""
    session.add(AuditEvent(at=now, actor_account_id=actor.account_id, action=action,
                           destination_id=destination_id, change_id=change_id,
                           detail=detail or {}))


async def latest_version(session: AsyncSession, destination_id: int) -> ListingVersion | None:
    """The newest kept version of a listing (None before its first approved change)."""
    stmt = (select(ListingVersion).where(ListingVersion.destination_id == destination_id)
            .order_by(ListingVersion.version.desc()).limit(1))
    found: ListingVersion | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


def listing_content(destination: Destination, latest: ListingVersion | None) -> dict[str, Any]:
    """What the public listing shows: the destination's fields and the latest version's."""
    extra = latest.snapshot if latest else {}
    content = {f: getattr(destination, f) for f in DESTINATION_FIELDS}
    content["special_closures"] = extra.get("special_closures", [])
    content["photos"] = extra.get("photos", [])
    return content


async def cover_photos(*, session: AsyncSession, destination_ids: Sequence[int]
                       ) -> dict[int, dict[str, Any] | None]:
    """Each listing's cover: the first photo of its public version (its owners put the cover
    first in a proposed change, staff approve it), or None; one statement."""
    latest = (select(ListingVersion.destination_id,
                     func.max(ListingVersion.version).label("version"))
              .where(ListingVersion.destination_id.in_(set(destination_ids)))
              .group_by(ListingVersion.destination_id).subquery())
    stmt = select(ListingVersion.destination_id, ListingVersion.snapshot).join(
        latest, (ListingVersion.destination_id == latest.c.destination_id)
        & (ListingVersion.version == latest.c.version))
    found: dict[int, dict[str, Any] | None] = dict.fromkeys(destination_ids)
    for destination_id, snapshot in (await session.execute(stmt)).all():
        first = (snapshot.get("photos") or [None])[0]
        found[destination_id] = first
    return found


async def listing_destination(session: AsyncSession, destination_id: int) -> Destination:
    """The destination of a listing (LISTING_NOT_FOUND when there is none)."""
    found = await session.get(Destination, destination_id)
    if found is None:
        raise ListingError(ListingErrorCode.LISTING_NOT_FOUND, "no such listing", field="id")
    return found


async def listing_state(*, session: AsyncSession, actor: Actor, destination_id: int
                        ) -> ListingState | None:
    """The public listing (drafts only for their owners and staff); None when unknown."""
    destination = await session.get(Destination, destination_id)
    if destination is None:
        return None
    if destination.status != Status.PUBLISHED.value and not (
            actor.is_staff or destination_id in actor.destination_ids):
        return None
    latest = await latest_version(session, destination_id)
    return ListingState(destination=destination, version=latest.version if latest else 1,
                        content=listing_content(destination, latest))


async def ready_photos(session: AsyncSession, destination_id: int, ids: Sequence[int]
                       ) -> list[dict[str, Any]]:
    """The stored entries (id, size, variants) of confirmed photos of a listing, in the
    order given; INVALID_LISTING_CHANGE when one is not."""
    found = {p.id: p for p in (await session.execute(select(ListingPhoto).where(
        ListingPhoto.id.in_(set(ids)), ListingPhoto.destination_id == destination_id,
        ListingPhoto.status == "ready"))).scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ListingError(ListingErrorCode.INVALID_LISTING_CHANGE,
                           "photos must be confirmed photos of this listing", field="photos")
    return [{"id": i, "width": found[i].width, "height": found[i].height,
             "variants": found[i].variants} for i in ids]


async def propose_change(*, session: AsyncSession, actor: Actor, destination_id: int,
                         base_version: int, fields: dict[str, Any], now: datetime
                         ) -> ListingChange:
    """An owner's (or staff's) proposed edit of a listing, pending review; not committed.
    A change based on an older version, or while another is pending, conflicts."""
    require_owner_or_staff(actor, destination_id)
    destination = await listing_destination(session, destination_id)
    checked = check_fields(fields, current_description=destination.description)
    if "photos" in checked:
        await ready_photos(session, destination_id, checked["photos"])
    latest = await latest_version(session, destination_id)
    current = latest.version if latest else 1
    if base_version != current:
        raise ListingError(ListingErrorCode.LISTING_VERSION_CONFLICT,
                           f"the listing is at version {current}, not {base_version}: "
                           "reload it and propose again", field="baseVersion")
    change = ListingChange(destination_id=destination_id, proposed_by=actor.account_id,
                           base_version=base_version, fields=checked, status=PENDING,
                           created_at=now)
    try:
        async with session.begin_nested():
            session.add(change)
            await session.flush()
    except IntegrityError as exc:  # the partial unique index: one pending change per listing
        raise ListingError(ListingErrorCode.LISTING_VERSION_CONFLICT,
                           f"another change of version {base_version} is already pending",
                           field="baseVersion") from exc
    record(session, actor=actor, action="change.proposed", destination_id=destination_id,
           change_id=change.id, detail={"base_version": base_version,
                                        "fields": sorted(checked)}, now=now)
    await session.flush()
    return change


async def _visible_change(session: AsyncSession, actor: Actor, change_id: int
                          ) -> ListingChange:
    change = await session.get(ListingChange, change_id)
    if actor.is_staff:
        if change is None:
            raise ListingError(ListingErrorCode.LISTING_CHANGE_NOT_FOUND,
                               "no such listing change", field="id")
        return change
    if change is None or change.destination_id not in actor.destination_ids:
        require_owner_or_staff(actor, -1)  # the same refusal whether or not it exists
    assert change is not None
    return change


async def get_change(*, session: AsyncSession, actor: Actor, change_id: int) -> ListingChange:
    """A listing change, for the listing's owners and staff only."""
    return await _visible_change(session, actor, change_id)


def _pending(change: ListingChange) -> None:
    if change.status != PENDING:
        raise ListingError(ListingErrorCode.LISTING_CHANGE_NOT_PENDING,
                           f"the change is already {change.status}", field="id")


async def _decide(session: AsyncSession, change: ListingChange, *, status: str, actor: Actor,
                  now: datetime, **values: Any) -> None:
    """Takes a pending change for one decision, atomically, before anything else is written:
    `UPDATE ... WHERE status = 'pending'` (a concurrent decision waits for this transaction's
    row lock, or SQLite's write lock, then finds the change decided: NOT_PENDING)."""
    _pending(change)
    decided = {"status": status, "decided_at": now, "decided_by": actor.account_id, **values}
    result = await session.execute(
        update(ListingChange)
        .where(ListingChange.id == change.id, ListingChange.status == PENDING)
        .values(**decided).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(change)
        _pending(change)
        raise ListingError(ListingErrorCode.LISTING_CHANGE_NOT_PENDING,
                           "the change was decided meanwhile", field="id")
    for name, value in decided.items():  # what the row now holds, without a second UPDATE
        set_committed_value(change, name, value)


async def withdraw_change(*, session: AsyncSession, actor: Actor, change_id: int,
                          now: datetime) -> ListingChange:
    """The owner takes back a pending change; not committed."""
    change = await _visible_change(session, actor, change_id)
    await _decide(session, change, status=WITHDRAWN, actor=actor, now=now)
    record(session, actor=actor, action="change.withdrawn", destination_id=change.destination_id,
           change_id=change.id, now=now)
    await session.flush()
    return change


async def _apply(session: AsyncSession, destination: Destination, fields: dict[str, Any],
                 now: datetime) -> None:
    if "description" in fields:  # the translations an owner left as they were may be stale
        destination.text_meta = touched(destination.text_meta or {}, "description",
                                        destination.description or {}, fields["description"],
                                        now)
    for name in DESTINATION_FIELDS:
        if name in fields:
            setattr(destination, name, fields[name])
    if "opening_hours" in fields:
        await session.execute(delete(OpeningPeriod).where(
            OpeningPeriod.destination_id == destination.id))
        session.add_all(OpeningPeriod(destination_id=destination.id, weekday=p.weekday,
                                      opens_minute=p.opens_minute, closes_minute=p.closes_minute)
                        for p in periods(fields["opening_hours"]))


async def approve_change(*, session: AsyncSession, actor: Actor, change_id: int,
                         now: datetime) -> ListingChange:
    """Staff approve a pending change: the public listing becomes a new version; not committed."""
    require_staff(actor)
    change = await _visible_change(session, actor, change_id)
    await _decide(session, change, status=APPROVED, actor=actor, now=now)
    destination = await listing_destination(session, change.destination_id)
    latest = await latest_version(session, destination.id)
    current = latest.version if latest else 1
    if change.base_version != current:
        raise ListingError(ListingErrorCode.LISTING_VERSION_CONFLICT,
                           f"the change is based on version {change.base_version}, the listing "
                           f"is at {current}", field="id")
    before = listing_content(destination, latest)
    if latest is None:  # keep the listing as it was before its first approved change
        session.add(ListingVersion(destination_id=destination.id, version=1, snapshot=before,
                                   created_at=now))
    fields = dict(change.fields)
    if "photos" in fields:
        fields["photos"] = await ready_photos(session, destination.id, fields["photos"])
    await _apply(session, destination, fields, now)
    destination.updated_at = now
    after = {**before, **fields}
    session.add(ListingVersion(destination_id=destination.id, version=current + 1,
                               snapshot=after, change_id=change.id,
                               created_by=actor.account_id, created_at=now))
    change.result_version = current + 1
    record(session, actor=actor, action="change.approved", destination_id=destination.id,
           change_id=change.id, detail={"version": current + 1}, now=now)
    await session.flush()
    return change


async def reject_change(*, session: AsyncSession, actor: Actor, change_id: int, reason: str,
                        now: datetime) -> ListingChange:
    """Staff reject a pending change, saying why; the public listing is unchanged."""
    require_staff(actor)
    reason = reason.strip()
    if not 3 <= len(reason) <= 1000:
        raise ListingError(ListingErrorCode.REASON_REQUIRED,
                           "a rejection says why, in 3 to 1000 characters", field="reason")
    change = await _visible_change(session, actor, change_id)
    await _decide(session, change, status=REJECTED, actor=actor, now=now, reason=reason)
    record(session, actor=actor, action="change.rejected", destination_id=change.destination_id,
           change_id=change.id, detail={"reason": reason}, now=now)
    await session.flush()
    return change


async def list_changes(*, session: AsyncSession, actor: Actor, destination_id: int | None,
                       status: str | None, page: PageRequest) -> Page[ListingChange]:
    """Changes newest first: an owner's own listings only, any listing for staff."""
    stmt = select(ListingChange)
    if destination_id is not None:
        require_owner_or_staff(actor, destination_id)
        stmt = stmt.where(ListingChange.destination_id == destination_id)
    elif not actor.is_staff:
        require_signed_in(actor)
        stmt = stmt.where(ListingChange.destination_id.in_(set(actor.destination_ids)))
    if status is not None:
        stmt = stmt.where(ListingChange.status == status)
    if page.after is not None:
        stmt = stmt.where(ListingChange.id < page.after[0])
    stmt = stmt.order_by(ListingChange.id.desc()).limit(page.first + 1)
    rows = [(c, (float(c.id),)) for c in (await session.execute(stmt)).scalars()]
    return page_of(rows, page.first)


async def versions(*, session: AsyncSession, actor: Actor, destination_id: int
                   ) -> list[ListingVersion]:
    """Every kept version of a listing, oldest first (owners and staff)."""
    require_owner_or_staff(actor, destination_id)
    return list((await session.execute(select(ListingVersion).where(
        ListingVersion.destination_id == destination_id).order_by(ListingVersion.version)
    )).scalars())


async def audit_trail(*, session: AsyncSession, actor: Actor, destination_id: int
                      ) -> list[AuditEvent]:
    """Who did what to a listing and when, oldest first (owners and staff)."""
    require_owner_or_staff(actor, destination_id)
    return list((await session.execute(select(AuditEvent).where(
        AuditEvent.destination_id == destination_id).order_by(AuditEvent.id))).scalars())


async def recent_audit_events(*, session: AsyncSession, actor: Actor, limit: int = 200,
                              before_id: int | None = None) -> list[AuditEvent]:
    """The audit trail of everything, newest first, a page at a time (admins)."""
    require_admin(actor)
    stmt = select(AuditEvent)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list((await session.execute(stmt.order_by(AuditEvent.id.desc()).limit(
        max(1, min(limit, 500))))).scalars())


async def set_staff_fields(*, session: AsyncSession, actor: Actor, destination_id: int,
                           status: str | None = None, heritage_ranking: str | None = None,
                           clear_ranking: bool = False, now: datetime) -> Destination:
    """Staff set what owners cannot: publication status and heritage ranking; not committed."""
    require_staff(actor)
    destination = await listing_destination(session, destination_id)
    detail: dict[str, Any] = {}
    if status is not None:
        if status not in {s.value for s in Status}:
            raise ListingError(ListingErrorCode.INVALID_LISTING_CHANGE,
                               f"unknown status {status!r}", field="status")
        destination.status = detail["status"] = status
    if heritage_ranking is not None or clear_ranking:
        if heritage_ranking is not None and heritage_ranking not in {
                r.value for r in HeritageRanking}:
            raise ListingError(ListingErrorCode.INVALID_LISTING_CHANGE,
                               f"unknown ranking {heritage_ranking!r}", field="heritageRanking")
        destination.heritage_ranking = detail["heritage_ranking"] = heritage_ranking
    record(session, actor=actor, action="listing.staff_fields", destination_id=destination_id,
           detail=detail, now=now)
    await session.flush()
    return destination


async def set_owner(*, session: AsyncSession, actor: Actor, destination_id: int,
                    account_id: int, verified: bool, now: datetime) -> DestinationOwner:
    """Staff link an owner account to a listing (and mark it verified or not)."""
    require_staff(actor)
    await listing_destination(session, destination_id)
    link = await session.get(DestinationOwner, (destination_id, account_id))
    if link is None:
        link = DestinationOwner(destination_id=destination_id, account_id=account_id,
                                verified=verified, created_at=now)
        session.add(link)
    link.verified = verified
    record(session, actor=actor, action="listing.owner_set", destination_id=destination_id,
           detail={"account_id": account_id, "verified": verified}, now=now)
    await session.flush()
    return link


async def owners_of(*, session: AsyncSession, destination_ids: Sequence[int]
                    ) -> dict[int, list[DestinationOwner]]:
    """The owner links of several listings, one statement."""
    result: dict[int, list[DestinationOwner]] = {i: [] for i in destination_ids}
    for link in (await session.execute(select(DestinationOwner).where(
            DestinationOwner.destination_id.in_(set(destination_ids))))).scalars():
        result[link.destination_id].append(link)
    return result


async def count_pending(*, session: AsyncSession, actor: Actor) -> int:
    """How many changes wait for review (staff), or for this owner's listings."""
    stmt = select(func.count()).select_from(ListingChange).where(ListingChange.status == PENDING)
    if not actor.is_staff:
        require_signed_in(actor)
        stmt = stmt.where(ListingChange.destination_id.in_(set(actor.destination_ids)))
    return int(await session.scalar(stmt) or 0)
