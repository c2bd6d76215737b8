"""Feedback received over a period, counted for the IOC report: by site, category and status,
and how long the department took to answer, per category (merged duplicates are counted as
received, never as answered: their answer is the item they were merged into)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.time import as_utc
from qr.feedback.models import Category, Feedback

#: The category of the answer times of every category together.
ALL = "all"


@dataclass(frozen=True, slots=True)
class FeedbackCount:
    """How many items a site received in a category that now stand in a status."""

    destination_id: int
    category: str
    status: str
    count: int
    merged: int


@dataclass(frozen=True, slots=True)
class AnswerTime:
    """Of a category's items received (duplicates aside): how many were answered, and the
    median and mean hours from receipt to answer (None when none was)."""

    category: str
    received: int
    answered: int
    median_hours: float | None
    mean_hours: float | None


@dataclass(frozen=True, slots=True)
class FeedbackFigures:
    """The counts and the answer times."""

    counts: list[FeedbackCount]
    answer_times: list[AnswerTime]


def _answer_time(category: str, received: int, hours: list[float]) -> AnswerTime:
    return AnswerTime(category=category, received=received, answered=len(hours),
                      median_hours=round(statistics.median(hours), 2) if hours else None,
                      mean_hours=round(statistics.fmean(hours), 2) if hours else None)


async def feedback_figures(*, session: AsyncSession, start: datetime, end: datetime
                           ) -> FeedbackFigures:
    """The feedback received from `start` to `end` (UTC, end excluded), counted; the caller
    checks who may read it (nothing about the visitors is read)."""
    rows = (await session.execute(
        select(Feedback.destination_id, Feedback.category, Feedback.status,
               Feedback.merged_into_id, Feedback.created_at, Feedback.answered_at)
        .where(Feedback.created_at >= start, Feedback.created_at < end))).all()
    counts: Counter[tuple[int, str, str]] = Counter()
    merged: Counter[tuple[int, str, str]] = Counter()
    received: Counter[str] = Counter()
    hours: dict[str, list[float]] = defaultdict(list)
    for site, category, status, merged_into, created_at, answered_at in rows:
        counts[(site, category, status)] += 1
        if merged_into is not None:
            merged[(site, category, status)] += 1
            continue
        received[category] += 1
        if answered_at is not None:
            hours[category].append(
                (as_utc(answered_at) - as_utc(created_at)).total_seconds() / 3600)
    times = [_answer_time(c.value, received[c.value], hours[c.value]) for c in Category]
    times.append(_answer_time(ALL, sum(received.values()),
                              [h for c in Category for h in hours[c.value]]))
    return FeedbackFigures(
        counts=[FeedbackCount(destination_id=s, category=c, status=st, count=n,
                              merged=merged[(s, c, st)])
                for (s, c, st), n in sorted(counts.items())],
        answer_times=times)
