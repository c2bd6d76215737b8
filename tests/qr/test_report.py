"""The IOC report: a quarter's totals equal the sums of the rows put under it (computed here,
from the rows as inserted), the Asia/Ho_Chi_Minh calendar decides where a moment falls, a
reporting key reads the report and nothing private, bad periods are refused with a code; on
both databases."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Account
from accounts.permissions import ANONYMOUS, Actor, AuthenticationRequired, Role
from accounts.service import create_api_key
from core.time import local_day
from geo.listings.models import ListingChange
from geo.models import Destination
from geo.occupancy.models import OccupancyHour
from media.store import LocalStore
from qr.errors import QrError
from qr.feedback.models import Feedback
from qr.models import UsageCount
from qr.report import export
from qr.report.period import parse_period, previous_period
from qr.report.service import TABLES, ioc_report
from tests.conftest import ROOT, graphql
from tests.qr.conftest import STAFF, make_guide_stop
from tours.models import Narration, Stop

NOW = datetime(2025, 2, 10, 3, 0, tzinfo=UTC)
REPORT = """query($period: String!) { iocReport(period: $period) {
  schemaVersion period document files { name csv } } }"""
PRIVATE = """query { usageStatistics(since: "2024-10-01", until: "2024-12-31") {
  totals { scans } } }"""


async def _sites(session: AsyncSession) -> list[Destination]:
    return list((await session.execute(
        select(Destination).order_by(Destination.id).limit(2))).scalars())


async def _account(session: AsyncSession) -> int:
    account = Account(email="owner-report@example.vn", display_name="Chủ cơ sở",
                      role="owner", password_hash="x")
    session.add(account)
    await session.flush()
    return account.id


def _usage(day: date, kind: str, site: int, lang: str, channel: str, count: int,
           target: int = 1) -> UsageCount:
    return UsageCount(day=day, kind=kind, destination_id=site, target_kind="stop",
                      target_id=target, qr_code_id=0, lang=lang, channel=channel, count=count)


def _feedback(n: int, site: int, category: str, status: str, created: datetime,
              answered: datetime | None = None, merged_into: int | None = None) -> Feedback:
    return Feedback(tracking_code=f"PA-2024-TEST{n:04d}", destination_id=site,
                    target_kind="destination", target_id=site, channel="web",
                    category=category, text="Loa không phát.", lang="vi", status=status,
                    answered_at=answered, merged_into_id=merged_into, created_at=created,
                    due_at=created + timedelta(days=3), updated_at=created)


async def _fill(session: AsyncSession) -> dict[str, Any]:
    """Rows in 2024-Q4 and on both sides of it; what each of them should add up to."""
    one, two = await _sites(session)
    counter, _ = await create_api_key(session=session, actor=None, name="Cổng",
                                      counter_for=one.id)
    usage = [
        _usage(date(2024, 10, 1), "scan", one.id, "vi", "web", 5),
        _usage(date(2024, 10, 1), "scan", one.id, "ko", "web", 3),
        _usage(date(2024, 11, 15), "play", one.id, "ko", "app", 7),
        _usage(date(2024, 12, 31), "view", two.id, "en", "kiosk", 11),
        _usage(date(2024, 12, 31), "scan", two.id, "en", "kiosk", 2, target=2),
        # outside: the day before and after the quarter
        _usage(date(2024, 9, 30), "scan", one.id, "vi", "web", 100),
        _usage(date(2025, 1, 1), "scan", one.id, "vi", "web", 1000),
    ]
    inside = usage[:5]
    hours = [  # (UTC hour, readings, total): 17:00 UTC is local midnight
        (datetime(2024, 9, 30, 17, tzinfo=UTC), 2, 40),      # 1 Oct 00:00 local: in
        (datetime(2024, 11, 2, 3, tzinfo=UTC), 4, 400),      # in
        (datetime(2024, 12, 31, 16, tzinfo=UTC), 1, 30),     # 31 Dec 23:00 local: in
        (datetime(2024, 9, 30, 16, tzinfo=UTC), 1, 999),     # 30 Sep 23:00 local: out
        (datetime(2024, 12, 31, 17, tzinfo=UTC), 1, 999),    # 1 Jan 00:00 local: out
    ]
    occupancy = [OccupancyHour(destination_id=one.id, counter_id=counter.id, hour=h,
                               readings=r, total=t, peak=t, last_count=t, last_at=h)
                 for h, r, t in hours]
    start = datetime(2024, 10, 5, 2, tzinfo=UTC)
    items = [
        _feedback(1, one.id, "not_working", "resolved", start, start + timedelta(hours=5)),
        _feedback(2, one.id, "not_working", "resolved", start, start + timedelta(hours=9)),
        _feedback(3, one.id, "prices", "in_progress", start, start + timedelta(hours=30)),
        _feedback(4, two.id, "praise", "received", datetime(2024, 9, 30, 17, 30, tzinfo=UTC)),
        # 23:30 UTC on 31 December is 1 January in Hồ Chí Minh City: not in 2024-Q4
        _feedback(5, two.id, "safety", "received", datetime(2024, 12, 31, 23, 30, tzinfo=UTC)),
    ]
    session.add_all([*usage, *occupancy, *items])
    await session.flush()
    duplicate = _feedback(6, one.id, "not_working", "resolved", start,
                          start + timedelta(hours=1), merged_into=items[0].id)
    owner = await _account(session)
    changes = [ListingChange(destination_id=s, proposed_by=owner, base_version=1, fields={},
                             status=st, decided_at=at)
               for s, st, at in [(one.id, "approved", datetime(2024, 10, 2, tzinfo=UTC)),
                                 (one.id, "approved", datetime(2024, 12, 20, tzinfo=UTC)),
                                 (two.id, "rejected", datetime(2024, 12, 21, tzinfo=UTC)),
                                 (two.id, "approved", datetime(2025, 1, 3, tzinfo=UTC))]]
    session.add_all([duplicate, *changes])
    await session.flush()
    in_q4 = [*items[:4], duplicate]
    answered = [(f.answered_at - f.created_at).total_seconds() / 3600  # type: ignore[operator]
                for f in in_q4 if f.answered_at is not None and f.merged_into_id is None]
    visitor_hours = 40 / 2 + 400 / 4 + 30 / 1
    return {
        "sites": (one, two),
        "totals": {
            "scans": sum(u.count for u in inside if u.kind == "scan"),
            "plays": sum(u.count for u in inside if u.kind == "play"),
            "views": sum(u.count for u in inside if u.kind == "view"),
            "occupancyReadings": 2 + 4 + 1, "visitorHours": visitor_hours,
            "feedbackReceived": len(in_q4), "feedbackAnswered": len(answered),
            "listingChangesApproved": 2},
        "median": round(statistics.median(answered), 2),
        "mean": round(statistics.fmean(answered), 2),
        "peak": 100.0,
    }


async def test_the_quarter_adds_up_the_rows_put_under_it(session: AsyncSession) -> None:
    # given rows inside 2024-Q4 and just outside it
    expected = await _fill(session)
    one, two = expected["sites"]
    # when staff make the quarter's report
    report = await ioc_report(session=session, actor=STAFF,
                              period=parse_period("2024-q4", today=local_day(NOW)), now=NOW)
    document = report.document()
    # then its totals are the sums of the rows inside, and only those
    assert document["schemaVersion"] == "1"
    assert document["period"] == {"label": "2024-Q4", "kind": "quarter",
                                  "firstDay": "2024-10-01", "lastDay": "2024-12-31",
                                  "timeZone": "Asia/Ho_Chi_Minh"}
    assert document["totals"] == expected["totals"]
    usage = {(r["site"], r["lang"], r["channel"]): (r["scans"], r["plays"], r["views"])
             for r in document["usage"]}
    assert usage == {(one.slug, "vi", "web"): (5, 0, 0), (one.slug, "ko", "web"): (3, 0, 0),
                     (one.slug, "ko", "app"): (0, 7, 0), (two.slug, "en", "kiosk"): (2, 0, 11)}
    (occupancy,) = document["occupancy"]
    assert occupancy == {"site": one.slug, "hours": 3, "readings": 7,
                         "visitorHours": expected["totals"]["visitorHours"],
                         "peakVisitors": expected["peak"]}
    feedback = {(r["site"], r["category"], r["status"]): (r["count"], r["merged"])
                for r in document["feedback"]}
    assert feedback == {(one.slug, "not_working", "resolved"): (3, 1),
                        (one.slug, "prices", "in_progress"): (1, 0),
                        (two.slug, "praise", "received"): (1, 0)}
    everything = document["answerTimes"][-1]
    assert everything == {"category": "all", "received": 4, "answered": 3,
                          "medianHours": expected["median"], "meanHours": expected["mean"]}
    not_working = next(t for t in document["answerTimes"] if t["category"] == "not_working")
    assert (not_working["received"], not_working["medianHours"]) == (2, 7.0)
    assert document["listingChanges"] == [{"site": one.slug, "approved": 2}]
    # and each CSV file says the same as the JSON
    files = export.report_files(report)
    assert set(files) == {"report.json"} | {f"{t}.csv" for t in TABLES}
    rows = list(csv.DictReader(io.StringIO(files["usage.csv"])))
    assert sum(int(r["scans"]) for r in rows) == expected["totals"]["scans"]
    assert list(rows[0]) == list(TABLES["usage"])


async def test_coverage_says_which_languages_each_site_has(session: AsyncSession,
                                                             tmp_path: Path) -> None:
    # given a site with a stop narrated in Vietnamese and English
    store = LocalStore(tmp_path / "media", public_base_url="http://testserver",
                       secret_key="k" * 40)
    await make_guide_stop(session, store)
    report = await ioc_report(session=session, actor=STAFF,
                              period=parse_period("2025-01", today=local_day(NOW)), now=NOW)
    coverage = {(r["site"], r["lang"]): r for r in report.document()["coverage"]}
    site = (await session.execute(select(Destination).join(Stop, Stop.destination_id
                                                           == Destination.id))).scalars().first()
    assert site is not None
    stops = list((await session.execute(select(Stop.id).where(
        Stop.destination_id == site.id))).scalars())
    langs = list((await session.execute(select(Narration.stop_id, Narration.lang).where(
        Narration.stop_id.in_(stops)))).all())
    for lang in ("vi", "en", "ko", "zh", "ja", "fr"):
        row = coverage[(site.slug, lang)]
        assert row["name"] is bool(site.name.get(lang))
        assert row["description"] is bool(site.description.get(lang))
        assert row["stops"] == len(stops)
        assert row["narratedStops"] == len({s for s, lg in langs if lg == lang})
    assert coverage[(site.slug, "en")]["narratedStops"] >= 1


async def test_the_local_calendar_decides_the_month(session: AsyncSession) -> None:
    # a scan at 23:30 UTC on 31 December is counted on 1 January, local
    moment = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert local_day(moment) == date(2025, 1, 1)
    one, _ = await _sites(session)
    session.add(_usage(local_day(moment), "scan", one.id, "ko", "web", 4))
    await session.flush()
    december = await ioc_report(session=session, actor=STAFF,
                                period=parse_period("2024-12", today=local_day(NOW)), now=NOW)
    january = await ioc_report(session=session, actor=STAFF,
                               period=parse_period("2025-01", today=local_day(NOW)), now=NOW)
    assert december.totals["scans"] == 0 and january.totals["scans"] == 4
    period = parse_period("2025-01", today=local_day(NOW))
    assert period.start == datetime(2024, 12, 31, 17, tzinfo=UTC)
    assert period.end == datetime(2025, 1, 31, 17, tzinfo=UTC)
    assert previous_period("quarter", today=date(2025, 4, 1)).label == "2025-Q1"
    assert previous_period("month", today=date(2025, 1, 1)).label == "2024-12"


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "2025", "Q1-2025", "1999-12",
                                  "2025-Q2", "2025-03-01"])
def test_bad_periods_are_refused_with_a_code(text: str) -> None:
    with pytest.raises(QrError) as refused:
        parse_period(text, today=date(2025, 2, 10))  # 2025-Q2 has not begun
    assert refused.value.code == "INVALID_PERIOD" and refused.value.field == "period"


async def test_only_staff_and_reporting_keys_read_it(session: AsyncSession) -> None:
    period = parse_period("2024-Q4", today=local_day(NOW))
    for actor in (ANONYMOUS, Actor(role=Role.KIOSK), Actor(role=Role.OWNER, account_id=5)):
        with pytest.raises(Exception) as refused:
            await ioc_report(session=session, actor=actor, period=period, now=NOW)
        assert getattr(refused.value, "code", None) in ("UNAUTHENTICATED", "FORBIDDEN")
    report = await ioc_report(session=session, actor=Actor(role=Role.REPORTING),
                              period=period, now=NOW)
    assert report.period.label == "2024-Q4"
    with pytest.raises(AuthenticationRequired):
        await ioc_report(session=session, actor=ANONYMOUS, period=period, now=NOW)


async def test_a_reporting_key_fetches_the_report_but_no_staff_data(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    # given the quarter's rows and a reporting key and a kiosk's read key
    expected = await _fill(session)
    _, reporting = await create_api_key(session=session, actor=None, name="IOC tỉnh",
                                        reporting=True)
    _, kiosk = await create_api_key(session=session, actor=None, name="Ki-ốt")
    await session.flush()
    # when the reporting key asks for the report, then it gets it, with the rows' totals
    body = await graphql(client, REPORT, {"period": "2024-Q4"},
                         headers={"x-api-key": reporting})
    assert "errors" not in body, body
    found = body["data"]["iocReport"]
    assert found["schemaVersion"] == "1" and found["period"] == "2024-Q4"
    assert found["document"]["totals"] == expected["totals"]
    assert {f["name"] for f in found["files"]} == {f"{t}.csv" for t in TABLES}
    # but staff data is refused to it, and the report to a read key and to nobody
    private = await graphql(client, PRIVATE, headers={"x-api-key": reporting})
    assert private["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", private
    for headers in ({"x-api-key": kiosk}, {}):
        refused = await graphql(client, REPORT, {"period": "2024-Q4"}, headers=headers)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused
    # and a bad period is refused with its code
    bad = await graphql(client, REPORT, {"period": "2024-Q9"}, headers={"x-api-key": reporting})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PERIOD", bad


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_the_readme_documents_every_key_of_the_report(session: AsyncSession) -> None:
    await _fill(session)
    report = await ioc_report(session=session, actor=STAFF,
                              period=parse_period("2024-Q4", today=local_day(NOW)), now=NOW)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The IOC report\n", 1)[1].split("\n## ", 1)[0]
    documented = {cell.strip("` ") for line in section.splitlines() if line.startswith("| `")
                  for cell in line.split("|")[1].split(",")}
    keys = _keys(report.document())
    assert all(report.tables.values())  # every table has rows, so every column is a key
    assert keys - documented == set()
