"""Scan statistics: the scans of the usage counts (qr/usage.py) by day, code, target, language
and channel, read back by staff as rows or CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from qr.models import QrCode, UsageCount, UsageKind
from qr.usage import MAX_ROWS, check_period


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


async def scan_statistics(*, session: AsyncSession, actor: Actor, since: date, until: date,
                          destination_id: int | None = None) -> list[ScanRow]:
    """Scan counts between two days (inclusive) for staff, by day, code, target, language
    and channel; only the scans on one site (of its own code, its stops' and its scenes')
    when one is given."""
    require_staff(actor)
    check_period(since, until)
    stmt = (select(UsageCount, QrCode.code).join(QrCode, QrCode.id == UsageCount.qr_code_id)
            .where(UsageCount.kind == UsageKind.SCAN.value, UsageCount.day >= since,
                   UsageCount.day <= until))
    if destination_id is not None:
        stmt = stmt.where(UsageCount.destination_id == destination_id)
    stmt = stmt.order_by(UsageCount.day, QrCode.code, UsageCount.target_kind,
                         UsageCount.target_id, UsageCount.lang, UsageCount.channel
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
