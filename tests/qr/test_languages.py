"""One coherent language per visitor page, the site page of a destination code, and one
negotiation (`lang`, X-Tourism-Language, Accept-Language) for /q, GraphQL and /tours alike."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from geo.models import Destination
from media.store import LocalStore
from qr.demo import load_demo_guides
from tests.conftest import graphql
from tests.qr.conftest import STAFF
from tours import service as tour_service
from tours import stops
from tours.models import Tour

KOREAN = "ko-KR,ko;q=0.9"


def _store(client: httpx.AsyncClient) -> LocalStore:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


@pytest.fixture
async def pagoda(client: httpx.AsyncClient, session: AsyncSession) -> Destination:
    """Chùa Bà Thiên Hậu with its demo stops, narrations and codes (THAUCB, THAU22, THAU23)."""
    assert await load_demo_guides(session=session, store=_store(client)) >= 2
    await session.flush()
    return (await session.execute(
        select(Destination).where(Destination.slug == "chua-ba-thien-hau"))).scalar_one()


async def _tour(session: AsyncSession, destination: Destination) -> Tour:
    tour = await tour_service.create_tour(
        session=session, actor=STAFF, destination_id=destination.id, slug="thien-hau-test-360",
        title={"vi": "Chùa Bà Thiên Hậu 360°", "en": "Lady Thien Hau Pagoda in 360°"})
    await session.flush()
    return tour


def _texts_outside(html: str, tag: str) -> list[str]:
    """The texts of the page's elements carrying lang="tag"."""
    return re.findall(rf'<[a-z0-9]+ [^>]*lang="{tag}"[^>]*>([^<]*)<', html)


async def test_a_korean_phone_gets_the_main_hall_in_korean_and_the_english_audio_says_so(
    client: httpx.AsyncClient, pagoda: Destination,
) -> None:
    page = (await client.get("/q/THAU23", headers={"Accept-Language": KOREAN})).text
    assert '<html lang="ko">' in page
    assert "<h1>티엔허우 여신을 모신 본전</h1>" in page  # no lang: the page's own language
    assert "<p>본전 가운데 칸에 티엔허우 여신상이 모셔져 있습니다.</p>" in page
    assert '<p class="site">티엔허우 사원 (바 사원)</p>' in page
    for words in ("해설 전문", "이곳의 관람 지점", "현재 위치", "코드", "본문으로 건너뛰기"):
        assert words in page
    for english in ("Transcript", "Stops on this site", "you are here", "Skip to content"):
        assert english not in page
    # no Korean narration: the English one, marked as English, with the note in Korean
    assert '<audio controls preload="metadata" lang="en"' in page
    assert page.count('<small class="shown-in">영어로 표시</small>') == 2  # player, transcript
    assert '<div class="transcript" lang="en">' in page
    data = (await client.get("/q/THAU23", headers={
        "Accept-Language": KOREAN, "Accept": "application/json"})).json()
    assert data["lang"] == "ko" and data["stop"]["titleLang"] == "ko"
    assert data["stop"]["textLang"] == "ko" and data["narration"]["lang"] == "en"
    assert data["destination"]["nameLang"] == "ko"
    assert {s["titleLang"] for s in data["stops"]} == {"ko"}


async def test_a_stop_with_no_text_in_the_visitor_s_language_is_one_english_page(
    client: httpx.AsyncClient, session: AsyncSession, pagoda: Destination,
) -> None:
    await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=pagoda.id, title={"vi": "Nhà bia", "en": "Stele house"}))
    await session.flush()
    page = (await client.get("/q/THAU22", headers={"Accept-Language": "de-DE,de;q=0.9"})).text
    # German is not there: English before Vietnamese, for the whole page
    assert '<html lang="en">' in page and "<h1>The pagoda gate</h1>" in page
    assert "Lady Thien Hau Pagoda" in page and "Stele house" in page
    assert "shown-in" not in page and 'lang="vi"' not in page.split("</nav>", 1)[1]


async def test_the_site_code_shows_the_description_tour_and_stops_in_korean(
    client: httpx.AsyncClient, session: AsyncSession, pagoda: Destination,
) -> None:
    before = (await client.get("/q/THAUCB", headers={
        "Accept-Language": KOREAN, "Accept": "application/json"})).json()
    assert before["tour"] is None  # no published tour yet: no link
    tour = await _tour(session, pagoda)
    await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=pagoda.id, title={"vi": "Nhà bia"}))  # no Korean, no code
    await session.flush()
    client._transport.app.state.qr.clear_cache()  # type: ignore[attr-defined]
    page = (await client.get("/q/THAUCB", headers={"Accept-Language": KOREAN})).text
    assert '<html lang="ko">' in page and "<h1>티엔허우 사원 (바 사원)</h1>" in page
    assert "<p>티엔허우 사원은 투저우못의 화교 공동체가" in page  # the Korean description
    tour_id = to_global_id("Tour", tour.id)
    assert f'<a class="view" href="/tours/{tour_id}?lang=ko">360° 투어 보기</a>' in page
    assert '<a href="/q/THAU22?lang=ko">사원 정문</a>' in page
    assert '<a href="/q/THAU23?lang=ko">티엔허우 여신을 모신 본전</a>' in page
    assert '<li><span lang="vi">Nhà bia</span> <small class="shown-in">베트남어로 표시</small>' \
        in page
    # English only in the site narration (its player and transcript, each marked as English)
    assert [t for t in _texts_outside(page.split("</nav>", 1)[1], "en") if t.strip()] == []
    assert page.count('<small class="shown-in">영어로 표시</small>') == 2
    data = (await client.get("/q/THAUCB", headers={
        "Accept-Language": KOREAN, "Accept": "application/json"})).json()
    assert data["target"]["kind"] == "destination" and data["lang"] == "ko"
    assert data["destination"]["descriptionLang"] == "ko"
    assert data["destination"]["description"].startswith("티엔허우 사원은")
    assert data["tour"]["url"] == f"/tours/{tour_id}" and data["tour"]["id"] == tour_id
    assert [(s["title"], s["titleLang"], s["code"]) for s in data["stops"]] == [
        ("사원 정문", "ko", "THAU22"), ("티엔허우 여신을 모신 본전", "ko", "THAU23"),
        ("Nhà bia", "vi", None)]


async def test_a_site_page_in_french_and_in_vietnamese(
    client: httpx.AsyncClient, pagoda: Destination,
) -> None:
    french = (await client.get("/q/THAUCB", headers={"Accept-Language": "fr-FR,fr;q=0.9"})).text
    assert '<html lang="fr">' in french and "<h1>Pagode de la Dame Thiên Hậu</h1>" in french
    assert "Étapes de la visite" in french and "La porte de la pagode" in french
    vietnamese = (await client.get("/q/THAUCB")).text  # asked for nothing: Vietnamese
    assert '<html lang="vi">' in vietnamese and "<h1>Chùa Bà Thiên Hậu</h1>" in vietnamese
    assert "Các điểm tham quan" in vietnamese and "Cổng chùa" in vietnamese


async def test_the_app_header_and_lang_are_honoured_by_q_graphql_and_tours(
    client: httpx.AsyncClient, session: AsyncSession, pagoda: Destination,
) -> None:
    app_asks = {"X-Tourism-Language": "ja", "Accept-Language": KOREAN}
    page = (await client.get("/q/THAU23", headers=app_asks)).text
    assert '<html lang="ja">' in page and "天后聖母を祀る本殿" in page
    assert "英語で表示" in page  # the narration is English
    explicit = (await client.get("/q/THAU23?lang=vi", headers=app_asks)).text
    assert '<html lang="vi">' in explicit  # the query parameter wins over the header
    garbled = (await client.get("/q/THAU23", headers={
        "X-Tourism-Language": "not a tag!", "Accept-Language": KOREAN})).text
    assert '<html lang="ko">' in garbled  # a malformed header is left to Accept-Language

    query = 'query { searchDestinations(text: "Chùa Bà Thiên Hậu", first: 1) ' \
            '{ edges { node { name nameLang } } } }'
    body = await graphql(client, query, headers={"X-Tourism-Language": "ko",
                                                 "Accept-Language": "en"})
    node = body["data"]["searchDestinations"]["edges"][0]["node"]
    assert (node["name"], node["nameLang"]) == ("티엔허우 사원 (바 사원)", "ko")
    body = await graphql(client, query, headers={"X-Tourism-Language": "bad tag!",
                                                 "Accept-Language": "fr"})
    assert "errors" not in body
    assert body["data"]["searchDestinations"]["edges"][0]["node"]["nameLang"] == "fr"

    tour = await _tour(session, pagoda)
    viewer = await client.get(f"/tours/{tour.id}", headers={"X-Tourism-Language": "ja"})
    assert viewer.status_code == 200 and '<html lang="ja">' in viewer.text
    assert 'aria-label="シーン"' in viewer.text
    missing = await client.get("/tours/999999", headers={"Accept-Language": "ko"})
    assert missing.status_code == 404 and "투어를 찾을 수 없습니다" in missing.text


@pytest.mark.parametrize(("accept", "lang", "words"), [
    ("ko-KR", "ko", "코드를 찾을 수 없습니다"), ("ja-JP", "ja", "このコードは見つかりませんでした"),
    ("zh-CN", "zh", "未找到该二维码"), ("de-DE, fr;q=0.5", "fr", "Code introuvable"),
    ("de-DE", "en", "This code was not found"), ("", "vi", "Không tìm thấy mã này")])
async def test_a_missing_code_speaks_the_first_language_the_pages_know(
    client: httpx.AsyncClient, accept: str, lang: str, words: str,
) -> None:
    answer = await client.get("/q/ZZZZZZ", headers={"Accept-Language": accept})
    assert answer.status_code == 404
    assert f'<html lang="{lang}">' in answer.text and words in answer.text
