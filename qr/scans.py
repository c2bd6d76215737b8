"""Scan counts: added up by day, code, target, language and channel (no personal data),
and read back by staff as rows or CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.upsert import upsert
from qr.errors import QrError
from qr.errors import QrErrorCode as Code
from qr.models import Channel, QrCode, ScanCount, TargetKind
from tours.models import Stop

MAX_DAYS = 366
MAX_ROWS = 50_000
#: The columns a scan is counted under (the unique key of `scan_count`).
_SCAN_KEY = ("day", "qr_code_id", "target_kind", "target_id", "lang", "channel")


@dataclass(frozen=True, slots=True)
class ScanKey:
    """What one scan is counted under."""

    day: date
    qr_code_id: int
    target_kind: TargetKind
    target_id: int
    lang: str
    channel: Channel


@dataclass(frozen=True, slots=True)
class ScanRow:
    """A line of the statistics: scans of one code on one day for a target, language and
    channel."""

    day: date
    code: str
    target_kind: str
    target_id: int
    lang: str
    channel: str
    count: int


async def record_scans(*, session: AsyncSession, scans: Counter[ScanKey]) -> None:
    """Adds scans to the daily counts in one statement (not committed)."""
    if not scans:
        return
    rows = [{"day": k.day, "qr_code_id": k.qr_code_id, "target_kind": k.target_kind.value,
             "target_id": k.target_id, "lang": k.lang, "channel": k.channel.value, "count": n}
            for k, n in sorted(scans.items(), key=lambda item: repr(item[0]))]
    insert = upsert(session, ScanCount).values(rows)
    await session.execute(insert.on_conflict_do_update(
        index_elements=list(_SCAN_KEY),
        set_={"count": ScanCount.count + insert.excluded.count}))


async def scan_statistics(*, session: AsyncSession, actor: Actor, since: date, until: date,
                          destination_id: int | None = None) -> list[ScanRow]:
    """Scan counts between two days (inclusive) for staff, by day, code, target, language
    and channel; only the codes of one destination's stops and itself when one is given."""
    require_staff(actor)
    if until < since or (until - since).days >= MAX_DAYS:
        raise QrError(Code.INVALID_PERIOD,
                      f"the period must run forward and span at most {MAX_DAYS} days",
                      field="since")
    stmt = (select(ScanCount, QrCode.code).join(QrCode, QrCode.id == ScanCount.qr_code_id)
            .where(ScanCount.day >= since, ScanCount.day <= until))
    if destination_id is not None:
        stop_ids = select(Stop.id).where(Stop.destination_id == destination_id)
        stmt = stmt.where(
            ((ScanCount.target_kind == TargetKind.DESTINATION.value)
             & (ScanCount.target_id == destination_id))
            | ((ScanCount.target_kind == TargetKind.STOP.value)
               & ScanCount.target_id.in_(stop_ids)))
    stmt = stmt.order_by(ScanCount.day, QrCode.code, ScanCount.target_kind,
                         ScanCount.target_id, ScanCount.lang, ScanCount.channel
                         ).limit(MAX_ROWS)
    return [ScanRow(day=row.day, code=code, target_kind=row.target_kind,
                    target_id=row.target_id, lang=row.lang, channel=row.channel,
                    count=row.count)
            for row, code in (await session.execute(stmt)).all()]


def statistics_csv(rows: list[ScanRow]) -> str:
    """The statistics as CSV (RFC 4180, a header line) for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "code", "target_kind", "target_id", "lang", "channel", "scans"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.code, row.target_kind, row.target_id,
                         row.lang, row.channel, row.count])
    return out.getvalue()
