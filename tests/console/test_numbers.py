"""The console's Numbers page: its totals and tables, and the CSV's rows, equal the sums of the
counts put in (computed here from them); owners and visitors are refused; a wrong period is a
readable message; on both databases."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from core.time import local_day
from tests.accounts.helpers import add_person
from tests.console.test_destinations_forms import sign_in
from tests.qr.test_usage import COUNTED, expected, put_counts

SERIES = ("scans", "plays", "views")


def _table(html: str, table_id: str) -> dict[str, tuple[int, ...]]:
    """The rows of one of the page's tables: name → (scans, plays, views)."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert found, table_id
    body = found.group(1).split("<tbody>")[1].split("</tbody>")[0]
    return {name: tuple(int(v) for v in values) for name, *values in re.findall(
        r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>',
        body)}


async def test_the_page_and_the_csv_show_the_sums_of_the_counts(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    today = local_day()
    await put_counts(session, today)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    sums = expected(today)
    # the last 30 days by default
    page = await client.get("/console/numbers?lang=en")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<script" not in html and '<svg class="chart"' in html
    for series in SERIES:
        shown = re.search(rf'<dd id="total-{series}">(\d+)</dd>', html)
        assert shown and int(shown.group(1)) == sum(c[series] for c in sums.values())
    by_day = _table(html, "table-day")
    assert len(by_day) == 30 and min(by_day) == (today - timedelta(days=29)).isoformat()
    for day, values in by_day.items():
        want = Counter[str]()
        for (d, _site, _lang, _channel), c in sums.items():
            if d == day:
                want.update(c)
        assert values == tuple(want[s] for s in SERIES), day
    by_lang = _table(html, "table-lang")
    want_lang: dict[str, Counter[str]] = {}
    for (_d, _site, lang, _channel), c in sums.items():
        want_lang.setdefault(lang, Counter()).update(c)
    assert by_lang == {k: tuple(v[s] for s in SERIES) for k, v in want_lang.items()}
    by_channel = _table(html, "table-channel")
    assert set(by_channel) == {"Web page", "App", "Kiosk"}
    assert by_channel["Kiosk"] == (0, 0, 3)
    by_site = _table(html, "table-site")  # by name, in the console's language
    assert by_site["Do Temple (Temple of the Eight Ly Kings)"] == (4, 1, 3)
    # the CSV of the same period: one line per day, site, language and channel
    export = await client.get("/console/numbers.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(export.text)))
    assert {(r["day"], r["site"], r["lang"], r["channel"]): Counter(
        {s: int(r[s]) for s in SERIES if int(r[s])}) for r in lines} == sums
    # a period of the counts 40 days back holds only them
    old = (today - timedelta(days=40)).isoformat()
    earlier = await client.get(f"/console/numbers.csv?since={old}&until={old}")
    (line,) = list(csv.DictReader(io.StringIO(earlier.text)))
    assert (line["site"], line["scans"]) == ("den-do", str(sum(
        c[-1] for c in COUNTED if c[0] == 40)))
    # in Vietnamese by default
    vietnamese = await client.get("/console/numbers?lang=vi")
    assert '<html lang="vi">' in vietnamese.text and "Lượt quét" in vietnamese.text
    assert _table(vietnamese.text, "table-site")["Đền Đô"] == (4, 1, 3)


async def test_a_wrong_period_is_a_readable_message(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    today = local_day()
    not_a_day = await client.get("/console/numbers?since=yesterday&lang=en")
    assert not_a_day.status_code == 400 and "YYYY-MM-DD" in not_a_day.text
    backwards = await client.get(f"/console/numbers.csv?since={today.isoformat()}&until="
                                 f"{(today - timedelta(days=1)).isoformat()}&lang=en")
    assert backwards.status_code == 400 and "must run forward" in backwards.text
    too_long = await client.get(f"/console/numbers?since={(today - timedelta(days=400))}"
                                f"&until={today}&lang=en")
    assert too_long.status_code == 400 and 'role="alert"' in too_long.text


async def test_owners_and_visitors_are_refused(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    await put_counts(session, local_day())
    anonymous = await client.get("/console/numbers")
    assert anonymous.status_code == 303 and "/console/sign-in" in anonymous.headers["location"]
    owner = await add_person(session, "owner")
    await sign_in(client, owner.email)
    for path in ("/console/numbers", "/console/numbers.csv"):
        refused = await client.get(path)
        assert refused.status_code == 403 and "scans" not in refused.text.lower()
    home = await client.get("/console/")
    assert 'href="/console/numbers"' not in home.text
