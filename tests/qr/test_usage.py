"""Plays and views counted beside scans: `/play/{narration}/{format}` counts the first request of
a play and sends the player to the stored file (local folder, S3 presigned, a CDN); a tour
page load counts a view; the figures and their CSV add up to what was counted; on both
databases."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from accounts.permissions import ANONYMOUS, Actor, AuthenticationRequired, Role
from api.app import create_app
from api.settings import MediaSettings, S3Settings, Settings
from api.types.common import to_global_id
from core.time import local_day
from geo.models import Destination
from media.store import S3Store
from qr import usage
from qr.errors import QrError
from qr.models import UsageCount
from tests.conftest import StatementCounter, graphql
from tests.qr.conftest import STAFF, as_staff, make_guide_stop
from tests.tours.conftest import make_small_tour
from tours.models import Narration

OWNER = Actor(role=Role.OWNER, account_id=2)


async def _rows(session: AsyncSession, kind: str) -> list[UsageCount]:
    return list((await session.execute(select(UsageCount).where(UsageCount.kind == kind)))
                .scalars())


async def _narration(session: AsyncSession, stop_id: int, lang: str) -> Narration:
    found = await session.scalar(select(Narration).where(Narration.stop_id == stop_id,
                                                         Narration.lang == lang))
    assert found is not None
    return found


async def test_a_play_counts_once_and_redirects_to_the_stored_file(
    client: httpx.AsyncClient, session: AsyncSession, count_statements: StatementCounter,
) -> None:
    # given a stop with a Vietnamese narration on the local store
    store = client._transport.app.state.store  # type: ignore[attr-defined]
    guide = await make_guide_stop(session, store)
    narration = await _narration(session, guide.stop.id, "vi")
    url = f"/play/{narration.id}/ogg"
    writes_before = sum("usage_count" in s for s in count_statements.statements)
    # when a browser starts the play (Range from 0), seeks, probes, and asks HEAD
    started = await client.get(url, headers={"Range": "bytes=0-"})
    seeks = [await client.get(url, headers={"Range": f"bytes={n}-"}) for n in (4096, 9000)]
    probe = await client.get(url, headers={"Range": "bytes=0-1"})
    head = await client.head(url)
    # then each is sent to the stored file, and only the start is counted, in one statement
    for answer in (started, *seeks, probe, head):
        assert answer.status_code == 307
        assert answer.headers["location"] == store.url(narration.audio_key)
        assert answer.headers["cache-control"] == "no-store"
    writes = sum("usage_count" in s for s in count_statements.statements) - writes_before
    assert writes == 1
    (row,) = await _rows(session, "play")
    assert (row.day, row.destination_id, row.target_kind, row.target_id, row.lang,
            row.channel, row.count) == (local_day(), guide.destination.id, "stop",
                                        guide.stop.id, "vi", "web", 1)
    # and the file answers the player's ranges where it was sent
    audio = await client.get(started.headers["location"].removeprefix("http://testserver"),
                             headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and audio.content[:4] == b"OggS"
    # a whole GET from the app counts under its channel; unknown narrations and formats are 404s
    assert (await client.get(f"{url}?channel=app")).status_code == 307
    assert (await client.get(f"/play/{narration.id}/mp3")).status_code == 404
    missing = await client.get("/play/99999999/ogg")
    assert missing.status_code == 404 and missing.json()["code"] == "NARRATION_NOT_FOUND"
    assert (await client.get("/play/abc/ogg")).status_code == 404
    counted = sorted((r.channel, r.count) for r in await _rows(session, "play"))
    assert counted == [("app", 1), ("web", 1)]


async def test_the_scan_page_plays_through_the_counting_route(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, client._transport.app.state.store)  # type: ignore[attr-defined]
    narration = await _narration(session, guide.stop.id, "en")
    page = await client.get(f"/q/{guide.code}?lang=en")
    assert f'<source src="/play/{narration.id}/ogg" type="audio/ogg">' in page.text
    data = (await client.get(f"/q/{guide.code}?lang=en&format=json")).json()
    assert data["narration"]["url"] == f"/play/{narration.id}/ogg"


async def test_a_draft_sites_narration_plays_uncounted(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, client._transport.app.state.store)  # type: ignore[attr-defined]
    narration = await _narration(session, guide.stop.id, "vi")
    guide.destination.status = "draft"
    await session.flush()
    assert (await client.get(f"/play/{narration.id}/ogg")).status_code == 307
    assert await _rows(session, "play") == []


@pytest.mark.parametrize("cdn", [False, True])
async def test_a_play_on_s3_redirects_to_a_presigned_or_cdn_url(
    session: AsyncSession, s3_store: S3Store, s3_endpoint: str, settings: Settings,
    connection: AsyncConnection, sessions: async_sessionmaker[AsyncSession], cdn: bool,
) -> None:
    # given a narration stored in a bucket on moto's S3 server, readable by the CDN
    guide = await make_guide_stop(session, s3_store)
    narration = await _narration(session, guide.stop.id, "en")
    cdn_url = f"{s3_endpoint}/{s3_store.bucket}"
    s3_settings = settings.model_copy(update={
        "media": MediaSettings(url=f"s3://{s3_store.bucket}/{s3_store.prefix}",
                               public_url=cdn_url if cdn else None),
        "s3": S3Settings(endpoint_url=s3_endpoint)})
    if cdn:
        import json
        s3_store.client.put_bucket_policy(Bucket=s3_store.bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3_store.bucket}/{s3_store.prefix}/*"}]}))
    app = create_app(s3_settings, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        answer = await client.get(f"/play/{narration.id}/ogg")
    # then the player is sent to the object in the bucket, and the play is counted
    assert answer.status_code == 307
    location = answer.headers["location"]
    expected_path = f"/{s3_store.bucket}/{s3_store.prefix}/{narration.audio_key}"
    assert urlsplit(location).path == expected_path
    assert location.startswith(s3_endpoint)
    assert ("X-Amz-Signature=" in location) is not cdn
    with httpx.Client(timeout=30) as http:
        audio = http.get(location, headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and audio.content[:4] == b"OggS"
    assert sum(r.count for r in await _rows(session, "play")) == 1


async def test_a_tour_page_load_counts_a_view(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    store = client._transport.app.state.store  # type: ignore[attr-defined]
    small = await make_small_tour(session, store)
    tour_id = to_global_id("Tour", small.tour.id)
    assert (await client.get(f"/tours/{tour_id}", headers={"Accept-Language": "ko"})
            ).status_code == 200
    assert (await client.get(f"/tours/{small.tour.id}?lang=vi&channel=kiosk")).status_code == 200
    assert (await client.head(f"/tours/{tour_id}")).status_code == 200  # counts nothing
    assert (await client.get("/tours/99999999")).status_code == 404  # counts nothing
    counted = sorted((r.destination_id, r.target_kind, r.target_id, r.lang, r.channel, r.count)
                     for r in await _rows(session, "view"))
    site = small.tour.destination_id
    assert counted == [(site, "tour", small.tour.id, "ko", "web", 1),
                       (site, "tour", small.tour.id, "vi", "kiosk", 1)]


# -- the figures ----------------------------------------------------------------------------

#: (days back, site slug, kind, lang, channel, count): what the tests put in the counts.
COUNTED = [
    (0, "chua-ba-thien-hau", "scan", "vi", "web", 7), (0, "chua-ba-thien-hau", "play", "vi",
                                                       "web", 5),
    (0, "chua-ba-thien-hau", "play", "en", "app", 2), (0, "den-do", "view", "ko", "kiosk", 3),
    (1, "den-do", "scan", "ko", "app", 4), (1, "den-do", "play", "ko", "app", 1),
    (3, "khu-di-tich-kim-lien", "view", "en", "web", 9),
    (3, "khu-di-tich-kim-lien", "scan", "en", "web", 2),
    (12, "chua-ba-thien-hau", "view", "fr", "web", 6),
    (40, "den-do", "scan", "vi", "web", 100),  # outside the last 30 days
]


async def put_counts(session: AsyncSession, today: date) -> dict[str, int]:
    """Writes COUNTED (twice under different targets for scans, to be summed), clearing what
    the period held; gives the sites' ids by slug."""
    await session.execute(delete(UsageCount))
    slugs = {c[1] for c in COUNTED}
    ids = {d.slug: d.id for d in (await session.execute(
        select(Destination).where(Destination.slug.in_(slugs)))).scalars()}
    assert set(ids) == slugs
    for back, slug, kind, lang, channel, count in COUNTED:
        parts = [count] if kind != "scan" else [count - count // 2, count // 2]
        for i, part in enumerate(parts):
            if part:
                session.add(UsageCount(day=today - timedelta(days=back), kind=kind,
                                       destination_id=ids[slug], target_kind="stop",
                                       target_id=1000 + i, qr_code_id=0, lang=lang,
                                       channel=channel, count=part))
    await session.flush()
    return ids


def expected(today: date, days: int = 30) -> dict[tuple[str, str, str, str], Counter[str]]:
    """The sums of COUNTED by (day, site, lang, channel) over the last `days` days."""
    sums: dict[tuple[str, str, str, str], Counter[str]] = {}
    for back, slug, kind, lang, channel, count in COUNTED:
        if back < days:
            key = ((today - timedelta(days=back)).isoformat(), slug, lang, channel)
            sums.setdefault(key, Counter())[kind + "s"] += count
    return sums


async def test_the_figures_and_their_csv_add_up_to_what_was_counted(
    session: AsyncSession,
) -> None:
    today = local_day()
    ids = await put_counts(session, today)
    rows = await usage.usage_figures(session=session, actor=STAFF,
                                     since=today - timedelta(days=29), until=today)
    got = {(r.day.isoformat(), r.site, r.lang, r.channel): Counter(
        {k: v for k, v in (("scans", r.scans), ("plays", r.plays), ("views", r.views)) if v})
        for r in rows}
    assert got == expected(today)
    parsed = list(csv.DictReader(io.StringIO(usage.usage_csv(rows))))
    assert len(parsed) == len(expected(today))
    for line in parsed:
        key = (line["day"], line["site"], line["lang"], line["channel"])
        assert int(line["destination_id"]) == ids[line["site"]]
        assert {k: int(line[k]) for k in ("scans", "plays", "views") if int(line[k])} == \
            dict(expected(today)[key])
    one_site = await usage.usage_figures(session=session, actor=STAFF, since=today,
                                         until=today, destination_id=ids["den-do"])
    assert [(r.site, r.views) for r in one_site] == [("den-do", 3)]
    with pytest.raises(AuthenticationRequired):
        await usage.usage_figures(session=session, actor=ANONYMOUS, since=today, until=today)
    with pytest.raises(QrError) as refused:
        await usage.usage_figures(session=session, actor=STAFF, since=today,
                                  until=today - timedelta(days=1))
    assert refused.value.code == "INVALID_PERIOD"


USAGE = """query ($since: Date!, $until: Date!) { usageStatistics(since: $since, until: $until) {
  totals { scans plays views } csv rows { day destinationId site lang channel scans plays views }
} }"""


async def test_staff_read_the_figures_over_graphql(
    settings: Settings, sessions: async_sessionmaker[AsyncSession],
    connection: AsyncConnection, session: AsyncSession,
) -> None:
    today = local_day()
    ids = await put_counts(session, today)
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    since = (today - timedelta(days=29)).isoformat()
    for actor, allowed in ((STAFF, True), (OWNER, False)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=as_staff(app, actor)),
                                     base_url="http://testserver") as client:
            body = await graphql(client, USAGE, {"since": since, "until": today.isoformat()})
        if not allowed:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
            continue
        stats = body["data"]["usageStatistics"]
        sums = expected(today)
        assert stats["totals"] == {k: sum(c[k] for c in sums.values())
                                   for k in ("scans", "plays", "views")}
        assert len(stats["rows"]) == len(sums)
        assert {r["destinationId"] for r in stats["rows"]} == {
            to_global_id("Destination", i) for i in ids.values()}
        assert stats["csv"].splitlines()[0] == \
            "day,destination_id,site,lang,channel,scans,plays,views"
