"""GraphQL types of the usage figures: scans, narration plays and tour views by day, site,
language and channel, with their totals and a CSV export."""

from __future__ import annotations

from datetime import date

import strawberry

from api.types.common import to_global_id
from qr import usage


@strawberry.type(description="Scans, narration plays and tour views added up.")
class UsageTotals:
    scans: int
    plays: int
    views: int

    @classmethod
    def of(cls, found: usage.Totals) -> UsageTotals:
        """The GraphQL view of some totals."""
        return cls(scans=found.scans, plays=found.plays, views=found.views)


@strawberry.type(description="A site's scans, plays and views on one day (Asia/Ho_Chi_Minh) "
                 "in one language through one channel (web, app or kiosk).")
class UsageRow:
    day: date
    destination_id: strawberry.ID
    site: str = strawberry.field(description="The destination's slug.")
    lang: str
    channel: str
    scans: int
    plays: int
    views: int

    @classmethod
    def of(cls, row: usage.UsageRow) -> UsageRow:
        """The GraphQL view of a figures row."""
        return cls(day=row.day, destination_id=to_global_id("Destination", row.destination_id),
                   site=row.site, lang=row.lang, channel=row.channel, scans=row.scans,
                   plays=row.plays, views=row.views)


@strawberry.type(description="Usage figures for staff, with their totals and a CSV export.")
class UsageStatistics:
    rows: list[UsageRow]
    totals: UsageTotals
    csv: str = strawberry.field(description="The rows as CSV, for a spreadsheet (the console's "
                                "Numbers export).")

    @classmethod
    def of(cls, rows: list[usage.UsageRow]) -> UsageStatistics:
        """The GraphQL view of the figures of a period."""
        return cls(rows=[UsageRow.of(r) for r in rows], totals=UsageTotals.of(usage.totals(rows)),
                   csv=usage.usage_csv(rows))
