"""Query fields of guided stops, QR codes, kiosks, scan statistics and usage figures."""

from __future__ import annotations

from datetime import date

import strawberry

from accounts.permissions import require_reporting
from api.context import Context
from api.types.common import GeoPointInput, Lang, int_key
from api.types.destination import Destination
from api.types.qr import Kiosk, QrCode, ScanRow, ScanStatistics
from api.types.report import IocReportResult
from api.types.stop import Stop
from api.types.usage import UsageStatistics
from api.types.zone import StopAtConnection, stops_at_connection
from core.paging import PageRequest, check_first
from core.time import local_day
from qr import scans, usage
from qr import service as qr_service
from qr.report.period import parse_period
from qr.report.service import ioc_report
from tours import zones

Info = strawberry.Info[Context, None]


async def stop_by_id(info: Info, global_id: str, lang: str | None) -> Stop | None:
    """A stop of a published destination by its global id."""
    found = await info.context.loaders.stop.load(int_key(global_id, "Stop"))
    if found is None:
        return None
    if await info.context.loaders.destination.load(found.destination_id) is None:
        return None  # the destination is not published
    return Stop.from_model(found, info.context.chain(lang))


@strawberry.type
class QrQueries:
    """Audio guides: stops, their narrations and the QR codes beside them."""

    @strawberry.field(description="A QR code by its short code (as printed or typed, any case).")
    async def qr_code(self, info: Info, code: str, lang: Lang = None) -> QrCode | None:
        found = await qr_service.get_qr_code(session=info.context.session, code=code)
        if found is None or not found.enabled:
            return None
        return QrCode(model=found, chain=info.context.chain(lang))

    @strawberry.field
    async def stop(self, info: Info, id: strawberry.ID, lang: Lang = None) -> Stop | None:
        return await stop_by_id(info, id, lang)

    @strawberry.field(description="The published stops whose trigger zone holds the visitor's "
                      "position, nearest zone centre first: what an app plays on arrival.")
    async def stops_at(self, info: Info, point: GeoPointInput, first: int | None = None,
                       after: str | None = None, lang: Lang = None) -> StopAtConnection:
        chain = info.context.chain(lang)
        page = PageRequest(first=check_first(first),
                           after=info.context.cursors.decode("stops-at", after, 2))
        found = await zones.stops_at(session=info.context.session,
                                     point=point.checked("point"), page=page)
        return stops_at_connection(found, info=info, kind="stops-at", chain=chain,
                                   had_after=after is not None)

    @strawberry.field(description="A kiosk's view: a site's stops in route order, each with "
                      "its QR codes and narrations.")
    async def kiosk(self, info: Info, destination_id: strawberry.ID,
                    lang: Lang = None) -> Kiosk | None:
        chain = info.context.chain(lang)
        key = int_key(destination_id, "Destination")
        destination = await info.context.loaders.destination.load(key)
        if destination is None:
            return None
        route = await info.context.loaders.stops_by_destination.load(key)
        return Kiosk(destination=Destination.from_model(destination, chain),
                     stops=[Stop.from_model(s, chain) for s in route])

    @strawberry.field(description="Staff: scans by day, code, target, language and channel "
                      "between two days (inclusive), with a CSV export.")
    async def scan_statistics(self, info: Info, since: date, until: date,
                              destination_id: strawberry.ID | None = None) -> ScanStatistics:
        rows = await scans.scan_statistics(
            session=info.context.session, actor=info.context.actor, since=since, until=until,
            destination_id=int_key(destination_id, "Destination") if destination_id else None)
        return ScanStatistics(rows=[ScanRow.of(r) for r in rows],
                              total=sum(r.count for r in rows),
                              csv=scans.statistics_csv(rows))

    @strawberry.field(description="Staff: scans, narration plays and tour views by day "
                      "(Asia/Ho_Chi_Minh), site, language and channel between two days "
                      "(inclusive, at most 366), with totals and a CSV export.")
    async def usage_statistics(self, info: Info, since: date, until: date,
                               destination_id: strawberry.ID | None = None) -> UsageStatistics:
        rows = await usage.usage_figures(
            session=info.context.session, actor=info.context.actor, since=since, until=until,
            destination_id=int_key(destination_id, "Destination") if destination_id else None)
        return UsageStatistics.of(rows)

    @strawberry.field(description="Staff or a reporting API key: the IOC report of a month "
                      "(\"2025-03\") or a quarter (\"2025-Q1\") in Asia/Ho_Chi_Minh, as JSON "
                      "and CSV (schema in README, The IOC report).")
    async def ioc_report(self, info: Info, period: str) -> IocReportResult:
        now = info.context.now
        require_reporting(info.context.actor)  # who asks, before what they ask
        report = await ioc_report(session=info.context.session, actor=info.context.actor,
                                  period=parse_period(period, today=local_day(now)), now=now)
        return IocReportResult.of(report)
