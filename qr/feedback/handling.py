"""Staff handling of feedback, per site: received → in progress → resolved or declined,
assigned to the site's management board, answered, merged into the item it duplicates; the
target time of its category flags overdue items; contacts are deleted after the retention
period. Every change is in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.time import as_utc
from geo.listings.service import record
from qr.feedback.errors import FeedbackError
from qr.feedback.errors import FeedbackErrorCode as Code
from qr.feedback.models import OPEN, Feedback, Status
from qr.feedback.service import get_by_tracking_code

MAX_ANSWER_CHARS = 4000
#: The moves a status may make (a closed item stays closed).
MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.DECLINED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.DECLINED}),
    Status.RESOLVED: frozenset(),
    Status.DECLINED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """A site's feedback at a glance: items still open, and how many of them are overdue."""

    destination_id: int
    open: int
    overdue: int
    total: int


def is_overdue(item: Feedback, now: datetime) -> bool:
    """Whether an open item is past its category's target time."""
    return Status(item.status) in OPEN and item.merged_into_id is None \
        and as_utc(item.due_at) < now


async def site_summaries(*, session: AsyncSession, actor: Actor, now: datetime
                         ) -> list[SiteSummary]:
    """Every site with feedback, those with overdue items first (staff)."""
    require_staff(actor)
    open_ = Feedback.status.in_([s.value for s in OPEN]) & Feedback.merged_into_id.is_(None)
    rows = (await session.execute(
        select(Feedback.destination_id, func.count(),
               func.count().filter(open_),
               func.count().filter(open_ & (Feedback.due_at < now)))
        .group_by(Feedback.destination_id))).all()
    found = [SiteSummary(destination_id=d, total=t, open=o, overdue=late)
             for d, t, o, late in rows]
    return sorted(found, key=lambda s: (-s.overdue, -s.open, s.destination_id))


async def site_feedback(*, session: AsyncSession, actor: Actor, destination_id: int
                        ) -> list[Feedback]:
    """A site's items (staff): open ones first, by target time, then the closed, newest
    first; at most 500."""
    require_staff(actor)
    found = list((await session.execute(
        select(Feedback).where(Feedback.destination_id == destination_id)
        .order_by(Feedback.created_at.desc()).limit(500))).scalars())
    opened = sorted((f for f in found if Status(f.status) in OPEN and f.merged_into_id is None),
                    key=lambda f: as_utc(f.due_at))
    return opened + [f for f in found if f not in opened]


async def get_feedback(*, session: AsyncSession, actor: Actor, feedback_id: int) -> Feedback:
    """One item with its contact (staff only); FeedbackError when there is none."""
    require_staff(actor)
    item = await session.get(Feedback, feedback_id)
    if item is None:
        raise FeedbackError(Code.FEEDBACK_NOT_FOUND, "no such feedback", field="id")
    return item


async def handle_feedback(*, session: AsyncSession, actor: Actor, feedback_id: int,
                          status: str | None = None, assigned_to: str | None = None,
                          answer: str | None = None, now: datetime) -> Feedback:
    """Moves an item on (a status it may move to), assigns it to a management board, records
    the department's answer (what the visitor's tracking page shows); checked whole before
    anything changes; not committed."""
    item = await get_feedback(session=session, actor=actor, feedback_id=feedback_id)
    current = Status(item.status)
    wanted = current
    if status is not None and status != current.value:
        try:
            wanted = Status(status)
        except ValueError:
            raise FeedbackError(Code.INVALID_FEEDBACK_STATUS, f"unknown status {status!r}",
                                field="status") from None
        if wanted not in MOVES[current] or item.merged_into_id is not None:
            raise FeedbackError(Code.INVALID_FEEDBACK_STATUS,
                                f"an item {current.value} cannot become {wanted.value}",
                                field="status")
    text = answer.strip() if answer is not None else None
    if text is not None and len(text) > MAX_ANSWER_CHARS:
        raise FeedbackError(Code.FEEDBACK_ANSWER_TOO_LONG,
                            f"{len(text)} characters: at most {MAX_ANSWER_CHARS}",
                            field="answer")
    board = assigned_to.strip()[:160] if assigned_to is not None else None
    detail: dict[str, str] = {"tracking_code": item.tracking_code}
    if wanted is not current:
        item.status = wanted.value
        detail["status"] = wanted.value
        if wanted not in OPEN:
            item.closed_at = now
    if board is not None and board != (item.assigned_to or ""):
        item.assigned_to = board or None
        detail["assigned_to"] = board
    if text and text != (item.answer or ""):
        item.answer, item.answered_at, item.answered_by = text, now, actor.account_id
        detail["answered"] = "yes"
    item.updated_at = now
    record(session, actor=actor, action="feedback.handled", destination_id=item.destination_id,
           detail=detail, now=now)
    await session.flush()
    return item


async def merge_feedback(*, session: AsyncSession, actor: Actor, feedback_id: int,
                         into_tracking_code: str, now: datetime) -> Feedback:
    """Merges a duplicate into another item of the same site (which must not be merged
    itself): the duplicate's tracking page then shows the other's status and answer; not
    committed."""
    item = await get_feedback(session=session, actor=actor, feedback_id=feedback_id)
    target = await get_by_tracking_code(session=session, code=into_tracking_code)
    if (target is None or target.id == item.id or target.destination_id != item.destination_id
            or target.merged_into_id is not None or item.merged_into_id is not None):
        raise FeedbackError(Code.INVALID_FEEDBACK_MERGE, "merge into another item of the same "
                            "site that is not merged itself", field="into")
    item.merged_into_id, item.updated_at = target.id, now
    # what pointed at the duplicate now points at the item it joins (no chains)
    await session.execute(update(Feedback).where(Feedback.merged_into_id == item.id)
                          .values(merged_into_id=target.id, updated_at=now))
    record(session, actor=actor, action="feedback.merged", destination_id=item.destination_id,
           detail={"tracking_code": item.tracking_code, "into": target.tracking_code}, now=now)
    await session.flush()
    return item


async def purge_contacts(*, session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Deletes the contacts of items received more than `retention_days` ago (the CLI and a
    scheduled call run it); how many were deleted; not committed."""
    result = await session.execute(
        update(Feedback).where(Feedback.contact.is_not(None),
                               Feedback.created_at < now - timedelta(days=retention_days))
        .values(contact=None, contact_purged_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
