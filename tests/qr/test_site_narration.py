"""The site narration: what a destination's own code (THAUCB) plays, in the visitor's language
with the stop page's fallback notes, in the /q JSON and GraphQL; uploaded by staff through the
same checked flow as a stop's, a refused upload writing nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from core.errors import DomainError
from geo.models import Destination
from media.store import LocalStore, MediaStore
from qr.demo import demo_file, load_demo_guides
from tests.conftest import graphql
from tests.qr.conftest import STAFF, data_file
from tours import narrations, stops
from tours.models import Narration

KOREAN = "ko-KR,ko;q=0.9"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.500\nChào mừng quý khách.\n"


def _store(client: httpx.AsyncClient) -> LocalStore:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


@pytest.fixture
async def pagoda(client: httpx.AsyncClient, session: AsyncSession) -> Destination:
    """Chùa Bà Thiên Hậu with its demo guide: stops, codes and its site narration."""
    await load_demo_guides(session=session, store=_store(client))
    await session.flush()
    return (await session.execute(
        select(Destination).where(Destination.slug == "chua-ba-thien-hau"))).scalar_one()


def _audio(page: str) -> tuple[str, list[str]]:
    found = re.search(r'<audio controls preload="metadata" lang="([^"]+)"[^>]*>(.*?)</audio>',
                      page, re.S)
    assert found is not None, "no player"
    return found.group(1), re.findall(r'<source src="[^"]+" type="([^"]+)">', found.group(2))


async def test_a_korean_phone_hears_the_site_in_english_and_the_page_says_so(
    client: httpx.AsyncClient, pagoda: Destination,
) -> None:
    page = (await client.get("/q/THAUCB", headers={"Accept-Language": KOREAN})).text
    assert '<html lang="ko">' in page and "<h1>티엔허우 사원 (바 사원)</h1>" in page
    # no Korean site narration: the English one, every format, marked English in Korean
    assert _audio(page) == ("en", ["audio/ogg", "audio/mpeg"])
    assert page.count('<small class="shown-in">영어로 표시</small>') == 2  # player, transcript
    transcript = page.split('<div class="transcript" lang="en">', 1)[1].split("</div>", 1)[0]
    assert "<p>Welcome to Lady Thien Hau Pagoda in Thu Dau Mot.</p>" in transcript
    assert "해설 전문" in page and "Transcript" not in page  # the heading in Korean
    data = (await client.get("/q/THAUCB", headers={
        "Accept-Language": KOREAN, "Accept": "application/json"})).json()
    assert data["lang"] == "ko" and data["narration"]["lang"] == "en"
    assert [s["type"] for s in data["narration"]["sources"]] == ["audio/ogg", "audio/mpeg"]
    assert data["narration"]["transcript"].startswith("Welcome to Lady Thien Hau Pagoda")
    assert {"vi", "en", "ko"} <= set(data["availableLanguages"])
    for source in data["narration"]["sources"]:  # the app plays what the JSON names
        played = await client.get(source["url"])  # a counted play, redirected to the store
        assert played.status_code == 307, played.text
        assert (await client.get(played.headers["location"])).status_code == 200


async def test_a_vietnamese_visitor_hears_the_site_in_vietnamese_with_no_note(
    client: httpx.AsyncClient, pagoda: Destination,
) -> None:
    page = (await client.get("/q/THAUCB?lang=vi")).text
    assert '<html lang="vi">' in page and "<h1>Chùa Bà Thiên Hậu</h1>" in page
    assert _audio(page) == ("vi", ["audio/ogg", "audio/mpeg"])
    told = page.split("</nav>", 1)[1].split('<section aria-labelledby="stops-h"')[0]
    assert "<audio" in told and "shown-in" not in told
    assert '<div class="transcript" lang="vi">' in page
    assert "<p>Chào mừng quý khách đến Chùa Bà Thiên Hậu ở Thủ Dầu Một.</p>" in page
    assert "<h2 id=\"transcript-h\">Lời thuyết minh</h2>" in page


SITE_NARRATION = """
query($id: ID!, $lang: String) {
  destination(id: $id) { narration(lang: $lang) { lang transcript sources { contentType } } }
  qrCode(code: "THAUCB") { narration(lang: $lang) { lang } }
}
"""


async def test_apps_read_the_site_narration_through_graphql(
    client: httpx.AsyncClient, pagoda: Destination,
) -> None:
    for lang, told in (("vi", "vi"), ("en", "en"), ("ko", "en")):
        answer = await graphql(client, SITE_NARRATION, {
            "id": to_global_id("Destination", pagoda.id), "lang": lang})
        narration = answer["data"]["destination"]["narration"]
        assert narration["lang"] == told, lang
        assert [s["contentType"] for s in narration["sources"]] == ["audio/ogg", "audio/mpeg"]
        assert answer["data"]["qrCode"]["narration"] == {"lang": told}


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Narration.id))
                                    .where(Narration.destination_id.is_not(None))) or 0)


async def test_staff_give_a_site_a_narration_and_a_lying_file_is_refused_writing_nothing(
    session: AsyncSession, store: MediaStore,
) -> None:
    site = (await session.execute(select(Destination).where(
        Destination.slug == "den-do"))).scalar_one()
    folder = f"narrations/sites/{site.id}"
    # a WAV that claims to be an MP3: refused with its code, the upload deleted, no row
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, destination_id=site.id, lang="vi",
        content_type="audio/mpeg")
    assert post.key.startswith(f"{folder}/vi/")
    store.put(post.key, data_file("tone.wav"), "audio/mpeg")
    with pytest.raises(DomainError) as refused:
        await narrations.confirm_narration_upload(
            session=session, store=store, actor=STAFF, destination_id=site.id, lang="vi",
            key=post.key, transcript=VTT)
    assert refused.value.code == "AUDIO_TYPE_MISMATCH"
    assert store.list_keys(folder) == [] and await _count(session) == 0
    # the real recording is kept as the site's narration, in its folder
    told = await narrations.add_narration(
        session=session, store=store, actor=STAFF, destination_id=site.id, lang="vi",
        audio=demo_file("den-do-1.vi.ogg"), content_type="audio/ogg",
        transcript=demo_file("den-do-1.vi.vtt").decode(), translation=stops.Translation.ORIGINAL)
    assert told.destination_id == site.id and told.stop_id is None
    assert told.audio_key.startswith(f"{folder}/vi/") and await _count(session) == 1
    # another format of it must be the same recording
    with pytest.raises(DomainError) as disagree:
        await narrations.add_narration_format(
            session=session, store=store, actor=STAFF, destination_id=site.id, lang="vi",
            audio=demo_file("den-do-1.en.mp3"), content_type="audio/mpeg")
    assert disagree.value.code == "NARRATION_FORMATS_DISAGREE"
    assert len(store.list_keys(folder)) == 2  # the Ogg and its transcript, nothing more


@pytest.mark.parametrize("target", ["neither", "both"])
async def test_a_narration_of_neither_or_both_a_stop_and_a_site_is_refused(
    session: AsyncSession, store: MediaStore, target: str,
) -> None:
    site = (await session.execute(select(Destination).where(
        Destination.slug == "den-do"))).scalar_one()
    stop = await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=site.id, title={"vi": "Cổng đền"}))
    ids = {"stop_id": stop.id, "destination_id": site.id} if target == "both" else {}
    before = store.list_keys("narrations")
    with pytest.raises(DomainError) as refused:
        await narrations.add_narration(
            session=session, store=store, actor=STAFF, lang="vi",
            audio=demo_file("den-do-1.vi.ogg"), content_type="audio/ogg",
            transcript=demo_file("den-do-1.vi.vtt").decode(),
            translation=stops.Translation.ORIGINAL, **ids)
    assert refused.value.code == "INVALID_NARRATION_TARGET"
    assert store.list_keys("narrations") == before
    assert int(await session.scalar(select(func.count(Narration.id))) or 0) == 0


UPLOAD = """
mutation($id: ID!) {
  requestNarrationUpload(destinationId: $id, lang: "en", contentType: MP3) { key }
}
"""
CONFIRM = """
mutation($id: ID!, $key: String!, $vtt: String) {
  confirmNarrationUpload(destinationId: $id, lang: "en", key: $key, transcript: $vtt) {
    lang durationSeconds
  }
}
"""


async def test_the_graphql_upload_takes_a_destination_and_refuses_a_bad_file(
    session: AsyncSession, staff_client: httpx.AsyncClient,
) -> None:
    store: MediaStore = staff_client._transport.app.state.store  # type: ignore[attr-defined]
    site = (await session.execute(select(Destination).where(
        Destination.slug == "den-do"))).scalar_one()
    site_id = to_global_id("Destination", site.id)
    key = (await graphql(staff_client, UPLOAD, {"id": site_id})
           )["data"]["requestNarrationUpload"]["key"]
    store.put(key, data_file("tone.wav"), "audio/mpeg")
    refused = await graphql(staff_client, CONFIRM, {"id": site_id, "key": key, "vtt": VTT})
    assert refused["errors"][0]["extensions"]["code"] == "AUDIO_TYPE_MISMATCH"
    assert store.head(key) is None and await _count(session) == 0
    key = (await graphql(staff_client, UPLOAD, {"id": site_id})
           )["data"]["requestNarrationUpload"]["key"]
    store.put(key, demo_file("den-do-1.en.mp3"), "audio/mpeg")
    kept = await graphql(staff_client, CONFIRM, {
        "id": site_id, "key": key, "vtt": demo_file("den-do-1.en.vtt").decode()})
    assert kept["data"]["confirmNarrationUpload"]["lang"] == "en", kept
    assert await _count(session) == 1
    both = await graphql(staff_client, """mutation($id: ID!, $stop: ID!) {
      requestNarrationUpload(destinationId: $id, stopId: $stop, lang: "en", contentType: MP3)
      { key } }""", {"id": site_id, "stop": to_global_id("Stop", 1)})
    assert both["errors"][0]["extensions"]["code"] == "INVALID_NARRATION_TARGET"
