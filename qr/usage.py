"""What visitors use, counted: scans of QR codes, plays of narrations and views of tours, added
up by day (Asia/Ho_Chi_Minh), site, target, language and channel (no personal data); and the
figures staff read back by day, site, language and channel, as rows or CSV (the console's
Numbers page, `usageStatistics`, and the reports built on them sum these rows)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.upsert import upsert
from geo.models import Destination
from qr.errors import QrError
from qr.errors import QrErrorCode as Code
from qr.models import Channel, UsageCount, UsageKind

K = TypeVar("K", bound=Hashable)
MAX_DAYS = 366
MAX_ROWS = 50_000
#: The target kind a tour view is counted under (scans use the code's, plays the stop's).
TOUR_TARGET = "tour"
#: The columns a use is counted under (the primary key of `usage_count`).
_KEY = ("day", "kind", "destination_id", "target_kind", "target_id", "qr_code_id", "lang",
        "channel")


@dataclass(frozen=True, slots=True)
class UsageKey:
    """What one use is counted under."""

    day: date
    kind: UsageKind
    destination_id: int
    target_kind: str
    target_id: int
    lang: str
    channel: Channel
    #: The code scanned (0: a play or a view).
    qr_code_id: int = 0


@dataclass(frozen=True, slots=True)
class UsageRow:
    """A line of the figures: a site's scans, plays and views on one day in one language
    through one channel."""

    day: date
    destination_id: int
    site: str
    lang: str
    channel: str
    scans: int
    plays: int
    views: int


@dataclass(frozen=True, slots=True)
class Totals:
    """Scans, plays and views added up over some rows."""

    scans: int = 0
    plays: int = 0
    views: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.scans + other.scans, self.plays + other.plays,
                      self.views + other.views)


async def record_usage(*, session: AsyncSession, uses: Counter[UsageKey]) -> None:
    """Adds uses to the daily counts in one statement (not committed)."""
    if not uses:
        return
    rows = [{"day": k.day, "kind": k.kind.value, "destination_id": k.destination_id,
             "target_kind": k.target_kind, "target_id": k.target_id,
             "qr_code_id": k.qr_code_id, "lang": k.lang, "channel": k.channel.value,
             "count": n}
            for k, n in sorted(uses.items(), key=lambda item: repr(item[0]))]
    insert = upsert(session, UsageCount).values(rows)
    await session.execute(insert.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": UsageCount.count + insert.excluded.count}))


def check_period(since: date, until: date) -> None:
    """Refuses a period that runs backwards or spans more than MAX_DAYS days."""
    if until < since or (until - since).days >= MAX_DAYS:
        raise QrError(Code.INVALID_PERIOD,
                      f"the period must run forward and span at most {MAX_DAYS} days",
                      field="since")


def _of(kind: UsageKind) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((UsageCount.kind == kind.value, UsageCount.count),
                                       else_=0)), 0)


async def usage_figures(*, session: AsyncSession, actor: Actor, since: date, until: date,
                        destination_id: int | None = None) -> list[UsageRow]:
    """Staff: scans, plays and views between two days (inclusive) by day, site, language and
    channel (one site's only when one is given), in that order."""
    require_staff(actor)
    check_period(since, until)
    stmt = (select(UsageCount.day, UsageCount.destination_id, Destination.slug,
                   UsageCount.lang, UsageCount.channel, _of(UsageKind.SCAN),
                   _of(UsageKind.PLAY), _of(UsageKind.VIEW))
            .join(Destination, Destination.id == UsageCount.destination_id)
            .where(UsageCount.day >= since, UsageCount.day <= until)
            .group_by(UsageCount.day, UsageCount.destination_id, Destination.slug,
                      UsageCount.lang, UsageCount.channel)
            .order_by(UsageCount.day, Destination.slug, UsageCount.lang, UsageCount.channel)
            .limit(MAX_ROWS))
    if destination_id is not None:
        stmt = stmt.where(UsageCount.destination_id == destination_id)
    return [UsageRow(day=day, destination_id=site_id, site=slug, lang=lang, channel=channel,
                     scans=int(scans), plays=int(plays), views=int(views))
            for day, site_id, slug, lang, channel, scans, plays, views
            in (await session.execute(stmt)).all()]


def totals(rows: Iterable[UsageRow]) -> Totals:
    """Scans, plays and views of all the rows."""
    found = Totals()
    for row in rows:
        found += Totals(row.scans, row.plays, row.views)
    return found


def totals_by(rows: Iterable[UsageRow], key: Callable[[UsageRow], K]) -> dict[K, Totals]:
    """Scans, plays and views of the rows grouped by a key (day, site, language, channel), in
    the order the keys first appear."""
    grouped: dict[K, Totals] = {}
    for row in rows:
        grouped[key(row)] = grouped.get(key(row), Totals()) + Totals(row.scans, row.plays,
                                                                     row.views)
    return grouped


def usage_csv(rows: Iterable[UsageRow]) -> str:
    """The figures as CSV (RFC 4180, a header line) for a spreadsheet: one line per day, site,
    language and channel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "destination_id", "site", "lang", "channel", "scans", "plays",
                     "views"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.destination_id, row.site, row.lang,
                         row.channel, row.scans, row.plays, row.views])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class SiteUsage:
    """A site's scans, plays and views over a period in one language through one channel."""

    destination_id: int
    lang: str
    channel: str
    scans: int
    plays: int
    views: int


async def usage_by_site(*, session: AsyncSession, since: date, until: date) -> list[SiteUsage]:
    """Scans, plays and views between two local days (inclusive) by site, language and
    channel; the caller checks who may read it."""
    stmt = (select(UsageCount.destination_id, UsageCount.lang, UsageCount.channel,
                   _of(UsageKind.SCAN), _of(UsageKind.PLAY), _of(UsageKind.VIEW))
            .where(UsageCount.day >= since, UsageCount.day <= until)
            .group_by(UsageCount.destination_id, UsageCount.lang, UsageCount.channel)
            .order_by(UsageCount.destination_id, UsageCount.lang, UsageCount.channel))
    return [SiteUsage(destination_id=site, lang=lang, channel=channel, scans=int(scans),
                      plays=int(plays), views=int(views))
            for site, lang, channel, scans, plays, views
            in (await session.execute(stmt)).all()]
