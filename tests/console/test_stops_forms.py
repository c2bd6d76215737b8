"""Staff keep a site's stops in the console: create, edit side by side per language, reorder
with buttons, delete after a confirmation; upload a narration with its WebVTT transcript (a
lying file refused in readable words, nothing written in the database or the store) and
remove it; owners and anonymous visitors are refused; on both databases."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.listings.models import AuditEvent
from media.store import MediaStore
from qr.demo import demo_file
from tests.accounts.helpers import add_person, destination_id
from tests.console.test_destinations_forms import csrf_of, sign_in
from tests.qr.conftest import data_file
from tours.models import Narration, Stop

SITE = "den-do"


def _store(client: httpx.AsyncClient) -> MediaStore:
    store: MediaStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


async def _route(session: AsyncSession, site: int) -> list[tuple[str, int]]:
    session.expire_all()
    stops = (await session.execute(select(Stop).where(Stop.destination_id == site)
                                   .order_by(Stop.position, Stop.id))).scalars()
    return [(s.title.get("vi", ""), s.position) for s in stops]


async def _narrations(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Narration.id))) or 0)


async def _add(client: httpx.AsyncClient, site: int, csrf: str, vi: str, en: str
               ) -> httpx.Response:
    return await client.post(f"/console/destinations/{site}/stops", data={
        "csrf": csrf, "title_vi": vi, "title_en": en, "text_vi": f"Về {vi}."})


async def test_an_editor_creates_edits_reorders_and_deletes_stops(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    listing = await client.get(f"/console/destinations/{site}/stops")
    assert listing.status_code == 200
    assert f'href="/console/destinations/{site}/stops"' in listing.text  # the new tab
    csrf = csrf_of(listing.text)
    # create two stops: each lands at the end of the route
    first = await _add(client, site, csrf, "Cổng đền", "Temple gate")
    assert first.status_code == 303
    stop_url = first.headers["location"]
    assert re.fullmatch(rf"/console/destinations/{site}/stops/\d+", stop_url)
    assert (await _add(client, site, csrf, "Hồ bán nguyệt", "Half-moon pond")).status_code == 303
    assert await _route(session, site) == [("Cổng đền", 1), ("Hồ bán nguyệt", 2)]
    # a stop with no title anywhere is refused in words and not written
    empty = await _add(client, site, csrf, "", "")
    assert empty.status_code == 400 and "role=\"alert\"" in empty.text
    assert len(await _route(session, site)) == 2
    # edit: a Korean title beside the others, side by side
    form = await client.get(stop_url)
    assert form.status_code == 200
    assert 'id="title_vi"' in form.text and 'id="title_ko"' in form.text
    saved = await client.post(stop_url, data={
        "csrf": csrf, "title_vi": "Cổng Đền Đô", "title_en": "Do Temple gate",
        "title_ko": "도 사당 정문", "text_vi": "Cổng ba gian."})
    assert saved.status_code == 303
    stop = (await session.execute(select(Stop).where(Stop.destination_id == site)
                                  .order_by(Stop.position))).scalars().first()
    assert stop is not None
    await session.refresh(stop)
    assert stop.title == {"vi": "Cổng Đền Đô", "en": "Do Temple gate", "ko": "도 사당 정문"}
    assert stop.text == {"vi": "Cổng ba gian."}
    bad_view = await client.post(stop_url, data={"csrf": csrf, "title_vi": "X",
                                                 "scene_id": "999999"})
    assert bad_view.status_code == 400
    await session.refresh(stop)
    assert stop.title["vi"] == "Cổng Đền Đô"  # the refused edit changed nothing
    # reorder with the buttons (no script): the gate goes down, then the pond is first
    moved = await client.post(f"{stop_url}/move", data={"csrf": csrf, "direction": "down"})
    assert moved.status_code == 303
    assert await _route(session, site) == [("Hồ bán nguyệt", 1), ("Cổng Đền Đô", 2)]
    page = (await client.get(f"/console/destinations/{site}/stops")).text
    assert page.index("Hồ bán nguyệt") < page.index("Cổng Đền Đô")
    # delete: a confirmation page first, then the stop is gone
    ask = await client.get(f"{stop_url}/delete")
    assert ask.status_code == 200 and 'name="confirm" value="yes"' in ask.text
    unconfirmed = await client.post(f"{stop_url}/delete", data={"csrf": csrf})
    assert unconfirmed.status_code == 403 and len(await _route(session, site)) == 2
    gone = await client.post(f"{stop_url}/delete", data={"csrf": csrf, "confirm": "yes"})
    assert gone.status_code == 303
    assert await _route(session, site) == [("Hồ bán nguyệt", 1)]
    actions = set((await session.execute(select(AuditEvent.action).where(
        AuditEvent.destination_id == site))).scalars())
    assert {"stop.updated", "stop.moved", "stop.deleted"} <= actions


async def test_a_narration_is_uploaded_a_lying_file_refused_and_a_narration_removed(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    csrf = csrf_of((await client.get(f"/console/destinations/{site}/stops")).text)
    stop_url = (await _add(client, site, csrf, "Cổng đền", "Temple gate")).headers["location"]
    store = _store(client)
    keys, count = store.list_keys("narrations"), await _narrations(session)
    # a WAV named .mp3: refused with the console's words, nothing in the DB or the store
    lying = await client.post(f"{stop_url}/narrations", data={
        "csrf": csrf, "lang": "vi", "translation": "original"}, files={
        "audio": ("cong.mp3", data_file("tone.wav"), "audio/mpeg"),
        "transcript_file": ("cong.vtt", demo_file("den-do-1.vi.vtt"), "text/vtt")})
    assert lying.status_code == 400
    assert "The audio file is not what its name says" in lying.text \
        or "Tệp âm thanh không đúng với định dạng" in lying.text
    assert store.list_keys("narrations") == keys and await _narrations(session) == count
    # the real recording with its transcript is kept, then an MP3 of it beside the Ogg
    kept = await client.post(f"{stop_url}/narrations", data={
        "csrf": csrf, "lang": "vi", "translation": "original"}, files={
        "audio": ("cong.ogg", demo_file("den-do-1.vi.ogg"), "audio/ogg"),
        "transcript_file": ("cong.vtt", demo_file("den-do-1.vi.vtt"), "text/vtt")})
    assert kept.status_code == 303, kept.text
    mp3 = await client.post(f"{stop_url}/narrations", data={"csrf": csrf, "lang": "vi"},
                            files={"audio": ("cong.mp3", demo_file("den-do-1.vi.mp3"),
                                             "audio/mpeg")})
    assert mp3.status_code == 303, mp3.text
    told = (await session.execute(select(Narration).where(
        Narration.stop_id == int(stop_url.rsplit("/", 1)[1])))).scalar_one()
    assert told.lang == "vi" and told.audio_type == "audio/ogg"
    assert [a["type"] for a in told.alternatives] == ["audio/mpeg"]
    shown = (await client.get(stop_url)).text
    assert "audio/ogg, audio/mpeg" in shown
    # without a CSRF token nothing is kept
    forged = await client.post(f"{stop_url}/narrations", data={"lang": "en"}, files={
        "audio": ("x.ogg", demo_file("den-do-1.en.ogg"), "audio/ogg"),
        "transcript_file": ("x.vtt", demo_file("den-do-1.en.vtt"), "text/vtt")})
    assert forged.status_code == 403 and await _narrations(session) == count + 1
    # removed: the row and every file of it
    files = [told.audio_key, told.transcript_key, told.alternatives[0]["key"]]
    removed = await client.post(f"{stop_url}/narrations/delete",
                                data={"csrf": csrf, "lang": "vi"})
    assert removed.status_code == 303
    assert await _narrations(session) == count
    assert all(store.head(key) is None for key in files)


async def test_owners_and_anonymous_visitors_cannot_touch_stops(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    site = await destination_id(session, SITE)
    before = await _route(session, site)
    anonymous = await client.get(f"/console/destinations/{site}/stops")
    assert anonymous.status_code == 303 and "/console/sign-in" in anonymous.headers["location"]
    owner = await add_person(session, "owner", owns=(site,))
    await sign_in(client, owner.email)
    page = await client.get(f"/console/destinations/{site}/stops")
    assert page.status_code == 403
    csrf = csrf_of((await client.get("/console/")).text)
    posted = await _add(client, site, csrf, "Cổng đền", "Temple gate")
    assert posted.status_code == 403
    assert await _route(session, site) == before


async def test_a_stop_of_another_site_is_not_reached_through_this_one(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    site, other = (await destination_id(session, SITE),
                   await destination_id(session, "chua-ba-thien-hau"))
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    csrf = csrf_of((await client.get(f"/console/destinations/{other}/stops")).text)
    stop_url = (await _add(client, other, csrf, "Cổng chùa", "Gate")).headers["location"]
    stop_id = stop_url.rsplit("/", 1)[1]
    crossed = f"/console/destinations/{site}/stops/{stop_id}"
    assert (await client.get(crossed)).status_code == 404
    assert (await client.post(f"{crossed}/delete", data={"csrf": csrf, "confirm": "yes"})
            ).status_code == 404
    assert ("Cổng chùa", 1) in await _route(session, other)
