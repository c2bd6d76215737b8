"""The console's IOC report: staff see a period's figures and download the same files the
scheduled function writes; a bad period is refused with its message; owners are refused; on
both databases."""

from __future__ import annotations

import csv
import io
import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.accounts.helpers import add_person
from tests.console.test_destinations_forms import sign_in


async def test_staff_see_the_report_and_download_its_files(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    shown = await client.get("/console/report?period=2026-Q3")
    assert shown.status_code == 200 and "2026-Q3" in shown.text
    assert "script-src 'self'" in shown.headers["content-security-policy"]
    document = await client.get("/console/report/report.json?period=2026-Q3")
    assert document.status_code == 200 and "attachment" in document.headers[
        "content-disposition"]
    report = json.loads(document.text)
    assert report["schemaVersion"] == "1" and report["period"]["label"] == "2026-Q3"
    assert report["period"]["firstDay"] == "2026-07-01" and report["period"]["lastDay"] == (
        "2026-09-30")
    sites = await client.get("/console/report/sites.csv?period=2026-Q3")
    rows = list(csv.DictReader(io.StringIO(sites.text)))
    assert [r["site"] for r in rows] == [s["site"] for s in report["sites"]]
    assert (await client.get("/console/report/nothing.csv?period=2026-Q3")).status_code == 404


async def test_a_bad_period_is_refused_and_owners_are_kept_out(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    bad = await client.get("/console/report?period=2026-Q5")
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    client.cookies.clear()
    owner = await add_person(session, "owner")
    await sign_in(client, owner.email)
    assert (await client.get("/console/report?period=2026-Q3")).status_code == 403
    assert (await client.get("/console/report/report.json?period=2026-Q3")).status_code == 403
