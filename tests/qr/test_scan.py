"""`GET /q/{code}`: the page and the JSON, languages, 404s, the rate limit (a tour group on one
Wi-Fi answered, a flood refused), counting, the statements a scan costs, Range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from accounts.permissions import ANONYMOUS, AuthenticationRequired
from api.app import create_app
from api.ratelimit import LEASE_TOKENS, TokenBuckets
from api.settings import QrSettings, Settings
from core.time import local_day
from media.store import LocalStore
from qr import scans
from qr.models import TargetKind, UsageCount
from qr.service import QrTarget, create_qr_code, retarget_qr_code, set_qr_code_enabled
from tests.conftest import StatementCounter
from tests.qr.conftest import STAFF, GuideStop, make_guide_stop

#: What a tour group's phones send: a few kinds of phone, a few languages.
PHONES = [
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"]
LANGUAGES = ["ko-KR", "vi-VN", "en-US", "ja-JP", "fr-FR"]


def _store(client: httpx.AsyncClient) -> LocalStore:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


async def test_page_plays_the_narration_in_the_asked_language(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    page = await client.get(f"/q/{guide.code}", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert len(page.content) < 30 * 1024 and "<script" not in html
    assert '<html lang="en">' in html and "Main hall of Lady Thien Hau" in html
    assert '<audio controls' in html and '/ogg"' in html and 'type="audio/ogg"' in html
    assert "The main hall holds the statue of Lady Thien Hau." in html  # transcript
    assert 'name="viewport"' in html and 'hreflang="vi"' in html
    vietnamese = await client.get(f"/q/{guide.code.lower()}",
                                  headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert '<html lang="vi">' in vietnamese.text
    assert "Trong chính điện là tượng Bà Thiên Hậu." in vietnamese.text
    korean = await client.get(f"/q/{guide.code}", headers={"Accept-Language": "ko"})
    # no Korean stop: a visitor who asked for another language than Vietnamese reads English
    assert '<html lang="en">' in korean.text and "Lady Thien Hau Pagoda" in korean.text


async def test_the_page_style_is_a_file_the_app_serves(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    page = await client.get(f"/q/{guide.code}")
    assert "<style" not in page.text and 'href="/assets/qr-page.css"' in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    css = await client.get("/assets/qr-page.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "font:" in css.text


async def test_json_for_the_app_carries_the_same_data(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    answer = await client.get(f"/q/{guide.code}", headers={
        "Accept": "application/json", "X-Tourism-Language": "en"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    data = answer.json()
    assert data["code"] == guide.code and data["target"]["kind"] == "stop"
    assert data["lang"] == "en" and data["stop"]["title"] == "Main hall of Lady Thien Hau"
    narration = data["narration"]
    assert narration["lang"] == "en" and 10 < narration["durationSeconds"] < 12
    assert narration["transcript"].startswith("The main hall holds")
    assert data["availableLanguages"] == ["en", "vi"]
    assert [s["code"] for s in data["stops"]] == [guide.code]
    assert narration["url"].startswith("/play/")  # counts the play, then the stored file
    part = await client.get(narration["url"], headers={"Range": "bytes=0-99"},
                            follow_redirects=True)
    assert part.status_code == 206 and len(part.content) == 100
    assert part.content[:4] == b"OggS"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_unknown_and_disabled_codes_are_friendly_404s(
    client: httpx.AsyncClient, session: AsyncSession, accept: str,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    for code in ("ZZZZZZ", "not-a-code!", "0O1I", "A" * 40):
        answer = await client.get(f"/q/{code}", headers={"Accept": accept})
        assert answer.status_code == 404
    await set_qr_code_enabled(session=session, actor=STAFF, code=guide.code, enabled=False)
    client._transport.app.state.qr.clear_cache()  # type: ignore[attr-defined]
    answer = await client.get(f"/q/{guide.code}", headers={"Accept": accept})
    assert answer.status_code == 404
    if accept == "text/html":
        assert "This QR code does not exist" in answer.text or "Không tìm thấy" in answer.text
    else:
        assert answer.json()["code"] == "QR_CODE_NOT_FOUND"


async def test_retargeting_keeps_the_printed_code(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    await retarget_qr_code(session=session, actor=STAFF, code=guide.code,
                           target=QrTarget(TargetKind.DESTINATION, guide.destination.id))
    client._transport.app.state.qr.clear_cache()  # type: ignore[attr-defined]
    data = (await client.get(f"/q/{guide.code}?format=json&lang=vi")).json()
    assert data["target"]["kind"] == "destination" and data["stop"] is None
    assert data["destination"]["name"] == "Chùa Bà Thiên Hậu"
    assert [s["title"] for s in data["stops"]] == ["Chính điện thờ Bà Thiên Hậu"]


async def test_scans_are_counted_by_day_target_language_and_channel(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    for _ in range(3):
        await client.get(f"/q/{guide.code}?lang=en")
    await client.get(f"/q/{guide.code}", headers={"Accept": "application/json",
                                                   "Accept-Language": "ko-KR"})
    await client.get("/q/ZZZZZZ")  # unknown codes count nothing
    # each scan was written before its answer: nothing waits in memory
    rows = (await session.execute(select(UsageCount))).scalars().all()
    counted = sorted((r.target_kind, r.target_id, r.lang, r.channel, r.count) for r in rows)
    assert counted == [("stop", guide.stop.id, "en", "web", 3),
                       ("stop", guide.stop.id, "ko", "app", 1)]
    today = local_day()
    assert {r.day for r in rows} == {today}
    assert {(r.kind, r.destination_id) for r in rows} == {("scan", guide.destination.id)}
    stats = await scans.scan_statistics(session=session, actor=STAFF,
                                        since=today - timedelta(days=1), until=today,
                                        destination_id=guide.destination.id)
    assert sum(r.count for r in stats) == 4
    csv = scans.statistics_csv(stats)
    assert csv.splitlines()[0] == "day,code,target_kind,target_id,lang,channel,scans"
    assert f"{today.isoformat()},{guide.code},stop,{guide.stop.id},en,web,3" in csv
    with pytest.raises(AuthenticationRequired):
        await scans.scan_statistics(session=session, actor=ANONYMOUS, since=today, until=today)


async def test_each_client_is_rate_limited(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    app = client._transport.app  # type: ignore[attr-defined]
    app.state.qr.limiter = TokenBuckets(sessions=app.state.sessions, per_minute=1, burst=2)
    statuses = [(await client.get(f"/q/{guide.code}")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = await client.get(f"/q/{guide.code}", headers={"Accept": "application/json"})
    assert limited.status_code == 429 and limited.json()["code"] == "RATE_LIMITED"
    assert "retry-after" in limited.headers


@pytest.mark.parametrize("trusted", [False, True])
async def test_the_scan_limit_honours_trust_forwarded_for(
    settings: Settings, sessions: async_sessionmaker[AsyncSession],
    connection: AsyncConnection, session: AsyncSession, trusted: bool,
) -> None:
    app = create_app(settings.model_copy(update={
        "server": settings.server.model_copy(update={"trust_forwarded_for": trusted})}),
                     engine=connection.engine, sessions=sessions)
    guide = await make_guide_stop(session, app.state.store)
    app.state.qr.limiter = TokenBuckets(sessions=sessions, per_minute=1, burst=2)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        rotating = [(await client.get(f"/q/{guide.code}", headers={
            "X-Forwarded-For": f"198.51.100.{i}"})).status_code for i in range(3)]
        same = [(await client.get(f"/q/{guide.code}", headers={
            "X-Forwarded-For": "192.0.2.1, 10.0.0.1"})).status_code for _ in range(3)]
    if trusted:  # behind a proxy: each visitor's first hop has its own bucket
        assert rotating == [200, 200, 200] and same == [200, 200, 429]
    else:  # by default the header is the client's word: the socket peer is limited
        assert rotating == [200, 200, 429] and same == [429, 429, 429]


async def test_destination_codes_need_a_published_destination(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    qr = await create_qr_code(session=session, actor=STAFF,
                              target=QrTarget(TargetKind.DESTINATION, guide.destination.id))
    assert (await client.get(f"/q/{qr.code}")).status_code == 200
    guide.destination.status = "draft"
    await session.flush()
    client._transport.app.state.qr.clear_cache()  # type: ignore[attr-defined]
    assert (await client.get(f"/q/{qr.code}")).status_code == 404


async def _site_codes(session: AsyncSession, guide: GuideStop, count: int) -> list[str]:
    """`count` codes of one site: the stop's, the site's own and more codes of the stop."""
    codes = [guide.code]
    for i in range(count - 1):
        target = QrTarget(TargetKind.DESTINATION, guide.destination.id) if i == 0 else \
            QrTarget(TargetKind.STOP, guide.stop.id)
        codes.append((await create_qr_code(session=session, actor=STAFF, target=target)).code)
    await session.flush()
    return codes


async def _counted(session: AsyncSession) -> int:
    return sum((await session.execute(select(UsageCount.count))).scalars().all())


async def test_a_tour_group_on_one_wifi_gets_100_scans_answered_within_a_minute(
    settings: Settings, sessions: async_sessionmaker[AsyncSession],
    connection: AsyncConnection, session: AsyncSession,
) -> None:
    # given a site with five codes and the default limits, one address for the whole group
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    guide = await make_guide_stop(session, app.state.store)
    codes = await _site_codes(session, guide, 5)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.40", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        # when 100 phones of the group scan the codes of the site, app and browser alike
        statuses = []
        for i in range(100):
            headers = {"User-Agent": PHONES[i % len(PHONES)],
                       "Accept-Language": LANGUAGES[i % len(LANGUAGES)]}
            if i % 4 == 0:
                headers["Accept"] = "application/json"
            answer = await client.get(f"/q/{codes[i % len(codes)]}", headers=headers)
            statuses.append(answer.status_code)
    # then every scan is answered and counted, none lost, none twice
    assert statuses == [200] * 100, statuses
    assert await _counted(session) == 100


async def test_a_flood_from_one_client_is_mostly_refused_with_a_stable_code(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    # given the default limits and one client hammering one code
    limits = QrSettings()
    guide = await make_guide_stop(session, _store(client))
    started = datetime.now(UTC)
    answers = [await client.get(f"/q/{guide.code}", headers={"Accept": "application/json"})
               for _ in range(1000)]
    elapsed = (datetime.now(UTC) - started).total_seconds()
    # then the burst is answered, then about a refill's worth, the rest refused
    answered = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(answered) + len(refused) == 1000
    most = limits.burst + limits.rate_per_minute / 60 * elapsed + LEASE_TOKENS
    assert limits.burst - LEASE_TOKENS <= len(answered) <= most, (len(answered), elapsed)
    assert len(refused) >= 1000 - most
    assert {a.json()["code"] for a in refused} == {"RATE_LIMITED"}
    assert all(int(a.headers["retry-after"]) >= 1 for a in refused)
    # and the answered ones, only they, were counted
    assert await _counted(session) == len(answered)


async def test_a_scan_costs_one_statement_when_its_address_is_busy(
    client: httpx.AsyncClient, session: AsyncSession, count_statements: StatementCounter,
) -> None:
    # given a code already resolved once (the page is cached)
    guide = await make_guide_stop(session, _store(client))
    assert (await client.get(f"/q/{guide.code}")).status_code == 200
    takes_before = sum("rate_bucket" in s for s in count_statements.limiter)
    writes_before = sum("usage_count" in s for s in count_statements.statements)
    # when one address scans 30 more times
    for _ in range(30):
        assert (await client.get(f"/q/{guide.code}")).status_code == 200
    # then each scan wrote its count once, and the limiter asked the database once per lease
    # (1, 2, 4, 8, then LEASE_TOKENS tokens at a time), not once per scan
    takes = sum("rate_bucket" in s for s in count_statements.limiter) - takes_before
    writes = sum("usage_count" in s for s in count_statements.statements) - writes_before
    assert writes == 30
    assert takes <= 4 + 30 // LEASE_TOKENS + 1, takes
    assert await _counted(session) == 31
