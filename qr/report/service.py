"""The IOC report of a month or a quarter (Asia/Ho_Chi_Minh): scans, narration plays, tour
views and occupancy by site, language and channel; feedback by category, status and time to
answer; listing changes approved and content coverage by language. Assembled here, in the
area that owns most of it (usage and feedback), from the services of geo/ and tours/ (qr/ is
the top layer). Aggregates only: nothing about visitors or accounts.

The document is versioned (SCHEMA_VERSION; README, "The IOC report", documents each key):
its tables are lists of rows with the columns of TABLES, written as JSON objects or as one
CSV file per table (qr.report.export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_reporting
from core.language import SERVICE_LANGUAGES
from core.time import LOCAL_TZ
from geo.coverage import site_texts
from geo.listings.history import approved_changes_by_site
from geo.occupancy.service import occupancy_between
from qr.feedback.figures import feedback_figures
from qr.report.period import Period
from qr.usage import usage_by_site
from tours.coverage import guide_coverage

SCHEMA_VERSION = "1"
#: Each table's columns, in the order of its CSV file.
TABLES: dict[str, tuple[str, ...]] = {
    "sites": ("site", "siteId", "nameVi", "published"),
    "usage": ("site", "lang", "channel", "scans", "plays", "views"),
    "occupancy": ("site", "hours", "readings", "visitorHours", "peakVisitors"),
    "feedback": ("site", "category", "status", "count", "merged"),
    "answerTimes": ("category", "received", "answered", "medianHours", "meanHours"),
    "listingChanges": ("site", "approved"),
    "coverage": ("site", "lang", "name", "description", "stops", "narratedStops"),
}
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class IocReport:
    """A period's report: when it was made, its totals and its tables' rows."""

    period: Period
    generated_at: datetime
    totals: dict[str, float | int]
    tables: dict[str, list[Row]]

    def document(self) -> dict[str, Any]:
        """The report as its JSON document (schema SCHEMA_VERSION)."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "period": {"label": self.period.label, "kind": self.period.kind,
                       "firstDay": self.period.first_day.isoformat(),
                       "lastDay": self.period.last_day.isoformat(),
                       "timeZone": str(LOCAL_TZ)},
            "generatedAt": self.generated_at.isoformat(),
            "totals": self.totals,
            **{name: [dict(zip(TABLES[name], row, strict=True)) for row in rows]
               for name, rows in self.tables.items()},
        }


async def ioc_report(*, session: AsyncSession, actor: Actor, period: Period,
                     now: datetime) -> IocReport:
    """The report of the period (staff, or a reporting API key)."""
    require_reporting(actor)
    usage = await usage_by_site(session=session, since=period.first_day,
                                until=period.last_day)
    occupancy = await occupancy_between(session=session, start=period.start, end=period.end)
    feedback = await feedback_figures(session=session, start=period.start, end=period.end)
    approved = await approved_changes_by_site(session=session, start=period.start,
                                              end=period.end)
    guides = await guide_coverage(session=session)
    mentioned = ({u.destination_id for u in usage} | set(occupancy) | set(approved)
                 | {f.destination_id for f in feedback.counts})
    sites = await site_texts(session=session, also=mentioned)
    slug = {s.destination_id: s.slug for s in sites}
    coverage = []
    for site in sites:
        if not site.published:
            continue
        guide = guides.get(site.destination_id)
        for lang in SERVICE_LANGUAGES:
            coverage.append((site.slug, lang, lang in site.name_langs,
                             lang in site.description_langs, guide.stops if guide else 0,
                             guide.narrated.get(lang, 0) if guide else 0))
    tables: dict[str, list[Row]] = {
        "sites": [(s.slug, s.destination_id, s.name_vi, s.published) for s in sites],
        "usage": sorted((slug[u.destination_id], u.lang, u.channel, u.scans, u.plays,
                          u.views) for u in usage),
        "occupancy": sorted((slug[o.destination_id], o.hours, o.readings, o.visitor_hours,
                              o.peak_visitors) for o in occupancy.values()),
        "feedback": sorted((slug[f.destination_id], f.category, f.status, f.count, f.merged)
                            for f in feedback.counts),
        "answerTimes": [(t.category, t.received, t.answered, t.median_hours, t.mean_hours)
                        for t in feedback.answer_times],
        "listingChanges": sorted((slug[site], n) for site, n in approved.items()),
        "coverage": coverage,
    }
    everything = feedback.answer_times[-1]
    totals: dict[str, float | int] = {
        "scans": sum(u.scans for u in usage),
        "plays": sum(u.plays for u in usage),
        "views": sum(u.views for u in usage),
        "occupancyReadings": sum(o.readings for o in occupancy.values()),
        "visitorHours": round(sum(o.visitor_hours for o in occupancy.values()), 1),
        "feedbackReceived": sum(f.count for f in feedback.counts),
        "feedbackAnswered": everything.answered,
        "listingChangesApproved": sum(approved.values()),
    }
    return IocReport(period=period, generated_at=now, totals=totals, tables=tables)
