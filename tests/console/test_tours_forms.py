"""The console's tours as a browser without JavaScript posts them, on both databases: an editor
creates a tour, uploads a panorama (received by the console and handed to the one upload
flow), adds a scene from a READY panorama, reorders and deletes scenes after a confirmation,
places a hotspot by typing its angles; a hotspot with bad angles is refused and nothing is
written; owners are refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from media import service as media_service
from media.models import MediaObject, Panorama, UploadStatus
from media.store import LocalStore
from tests.accounts.helpers import HOTEL_A, add_person, destination_id
from tests.console.test_destinations_forms import csrf_of, sign_in
from tests.media.panorama_images import direction_panorama, encoded
from tests.tours.conftest import STAFF
from tours.models import Hotspot, Scene, Tour

SITE = "chua-ba-thien-hau"


async def ready_panorama(session: AsyncSession, tmp_path: Path, width: int = 1024) -> int:
    """A READY panorama tiled into the app's store (the test settings' media folder)."""
    store = LocalStore(tmp_path / "media", public_base_url="http://testserver",
                       secret_key="k" * 40)
    panorama, _ = await media_service.add_panorama(
        session=session, store=store, actor=STAFF, data=encoded(direction_panorama(width),
                                                                "JPEG"))
    await session.commit()
    return panorama.id


async def scene_rows(session: AsyncSession, tour_id: int) -> list[tuple[int, int, str]]:
    rows = (await session.execute(select(Scene.id, Scene.position, Scene.title)
                                  .where(Scene.tour_id == tour_id).order_by(Scene.position))).all()
    return [(r[0], r[1], r[2].get("vi", "")) for r in rows]


async def hotspot_rows(session: AsyncSession) -> list[tuple[object, ...]]:
    return [tuple(r) for r in (await session.execute(
        select(Hotspot.id, Hotspot.scene_id, Hotspot.yaw, Hotspot.pitch, Hotspot.text)
        .order_by(Hotspot.id))).all()]


async def test_an_editor_makes_a_tour_with_scenes_and_a_hotspot_without_javascript(
        client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path) -> None:
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    first, second = (await ready_panorama(session, tmp_path),
                     await ready_panorama(session, tmp_path, 2048))
    await sign_in(client, editor.email)
    listing = await client.get(f"/console/destinations/{site}/tours")
    assert listing.status_code == 200 and f'href="/console/destinations/{site}/tours"' \
        in listing.text
    made = await client.post(f"/console/destinations/{site}/tours", data={
        "csrf": csrf_of(listing.text), "slug": "chua-ba-360-console",
        "title_vi": "Chùa Bà 360°", "title_en": "The pagoda in 360°"})
    assert made.status_code == 303, made.text
    tour_id = int(made.headers["location"].rsplit("/", 1)[1])
    tour = await session.get(Tour, tour_id)
    assert tour is not None and tour.title == {"vi": "Chùa Bà 360°", "en": "The pagoda in 360°"}
    page = await client.get(f"/console/tours/{tour_id}")
    assert page.status_code == 200
    assert f'<option value="{first}">' in page.text and f'<option value="{second}">' in page.text
    token = csrf_of(page.text)
    for panorama, vi in ((first, "Cổng tam quan"), (second, "Chính điện")):
        added = await client.post(f"/console/tours/{tour_id}", data={
            "csrf": token, "action": "add_scene", "panorama": str(panorama),
            "title_vi": vi, "title_en": vi.upper()})
        assert added.status_code == 303, added.text
    (one, _, _), (two, _, _) = await scene_rows(session, tour_id)
    assert await scene_rows(session, tour_id) == [(one, 0, "Cổng tam quan"), (two, 1, "Chính điện")]
    listed = await client.get(f"/console/tours/{tour_id}")
    assert re.search(r"Cổng tam quan</a>\s*<span class=\"status ready\">Sẵn sàng</span>",
                     listed.text), listed.text
    moved = await client.post(f"/console/tours/{tour_id}", data={
        "csrf": token, "action": "move", "scene": str(two), "by": "up"})
    assert moved.status_code == 303
    assert [s for s, _, _ in await scene_rows(session, tour_id)] == [two, one]

    scene_page = await client.get(f"/console/scenes/{one}")
    assert scene_page.status_code == 200 and 'id="scene-data"' in scene_page.text
    assert '<script src="/assets/console-scene.js">' in scene_page.text
    placed = await client.post(f"/console/scenes/{one}", data={
        "csrf": token, "action": "add_hotspot", "kind": "scene", "yaw": "42.5", "pitch": "-7",
        "target_scene": str(two), "target_yaw": "180", "text_vi": "Vào chính điện"})
    assert placed.status_code == 303, placed.text
    spots = await hotspot_rows(session)
    assert spots[-1][1:] == (one, 42.5, -7, {"vi": "Vào chính điện"})
    viewed = await client.post(f"/console/scenes/{one}", data={
        "csrf": token, "action": "update", "title_vi": "Cổng", "title_en": "Gate",
        "yaw": "10", "pitch": "5", "hfov": "90", "north": "-30"})
    assert viewed.status_code == 303, viewed.text
    scene = (await session.execute(select(Scene).where(Scene.id == one)
                                   .execution_options(populate_existing=True))).scalar_one()
    assert (scene.title, scene.initial_yaw, scene.north_offset) == (
        {"vi": "Cổng", "en": "Gate"}, 10, -30)

    confirm = await client.get(f"/console/scenes/{two}/delete")
    assert confirm.status_code == 200 and f'action="/console/scenes/{two}/delete"' in confirm.text
    assert [s for s, _, _ in await scene_rows(session, tour_id)] == [two, one]  # only asked
    gone = await client.post(f"/console/scenes/{two}/delete", data={"csrf": token})
    assert gone.status_code == 303
    assert await scene_rows(session, tour_id) == [(one, 0, "Cổng")]
    assert [s for s in await hotspot_rows(session) if s[1] == one] == []  # the link went too


async def test_a_hotspot_with_bad_angles_is_refused_and_nothing_is_written(
        client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path) -> None:
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    panorama = await ready_panorama(session, tmp_path)
    await sign_in(client, editor.email)
    listing = await client.get(f"/console/destinations/{site}/tours")
    token = csrf_of(listing.text)
    made = await client.post(f"/console/destinations/{site}/tours", data={
        "csrf": token, "slug": "chua-ba-goc-sai", "title_vi": "Thử"})
    tour_id = int(made.headers["location"].rsplit("/", 1)[1])
    await client.post(f"/console/tours/{tour_id}", data={
        "csrf": token, "action": "add_scene", "panorama": str(panorama), "title_vi": "Cảnh"})
    ((scene_id, _, _),) = await scene_rows(session, tour_id)
    before = await hotspot_rows(session)
    for yaw, pitch in (("190", "0"), ("0", "-95"), ("abc", "0"), ("", "3")):
        refused = await client.post(f"/console/scenes/{scene_id}", data={
            "csrf": token, "action": "add_hotspot", "kind": "info", "yaw": yaw,
            "pitch": pitch, "text_vi": "Bàn thờ"})
        assert refused.status_code == 400, (yaw, pitch)
        assert 'role="alert"' in refused.text and "yaw" in refused.text + pitch
    no_text = await client.post(f"/console/scenes/{scene_id}", data={
        "csrf": token, "action": "add_hotspot", "kind": "info", "yaw": "1", "pitch": "1"})
    assert no_text.status_code == 400
    forged = await client.post(f"/console/scenes/{scene_id}", data={
        "csrf": "forged", "action": "add_hotspot", "kind": "info", "yaw": "1", "pitch": "1",
        "text_vi": "Giả"})
    assert forged.status_code == 403
    assert await hotspot_rows(session) == before


@pytest.fixture
async def served(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 connection: AsyncConnection
                 ) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """A client of the app, and the app (whose local tiler a test waits for)."""
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client, app
        await app.state.ingest.drain()


async def test_a_panorama_posted_without_javascript_takes_the_one_upload_flow(
        served: tuple[httpx.AsyncClient, Starlette], session: AsyncSession) -> None:
    client, app = served
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    listing = await client.get(f"/console/destinations/{site}/tours")
    token = csrf_of(listing.text)
    made = await client.post(f"/console/destinations/{site}/tours", data={
        "csrf": token, "slug": "chua-ba-tai-len", "title_vi": "Tải lên"})
    tour_id = int(made.headers["location"].rsplit("/", 1)[1])
    image = encoded(direction_panorama(512), "JPEG")
    sent = await client.post(f"/console/tours/{tour_id}/panorama-file", data={"csrf": token},
                             files={"file": ("hall.jpg", image, "image/jpeg")})
    assert sent.status_code == 303, sent.text
    await app.state.ingest.drain()  # the local server's tiler
    upload = (await session.execute(select(MediaObject).order_by(MediaObject.id.desc())
                                    .limit(1))).scalar_one()
    assert (upload.purpose, upload.status, upload.byte_size) == (
        "panorama", UploadStatus.USED.value, len(image))
    panorama = (await session.execute(select(Panorama).where(
        Panorama.upload_key == upload.key))).scalar_one()
    assert (panorama.status, panorama.width) == ("ready", 512)
    status = await client.get(f"/console/panoramas/{panorama.id}")
    assert status.json()["status"] == "ready"
    shown = await client.get(f"/console/tours/{tour_id}")
    assert f'data-panorama-status="{panorama.id}"' in shown.text
    uploads = await session.scalar(select(func.count()).select_from(MediaObject))
    wrong = await client.post(f"/console/tours/{tour_id}/panorama-file", data={"csrf": token},
                              files={"file": ("notes.txt", b"not an image", "text/plain")})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    assert await session.scalar(select(func.count()).select_from(MediaObject)) == uploads
    big = await client.post(f"/console/tours/{tour_id}/panorama-file", data={"csrf": token},
                            files={"file": ("big.jpg", b"\xff" * (5 * 1024 * 1024),
                                            "image/jpeg")})
    assert big.status_code == 413
    assert await session.scalar(select(func.count()).select_from(MediaObject)) == uploads
    # with JavaScript: the presigned POST of the same flow
    issued = await client.post(f"/console/tours/{tour_id}/upload", data={
        "csrf": token, "content_type": "image/jpeg"})
    assert issued.status_code == 200 and issued.json()["key"].startswith("uploads/panoramas/")


async def test_owners_are_refused_every_tour_page_and_form(
        client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path) -> None:
    site = await destination_id(session, SITE)
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    tours_before = await session.scalar(select(func.count()).select_from(Tour))
    await sign_in(client, owner.email)
    own = await client.get("/console/listings")
    token = csrf_of(own.text)
    for path in (f"/console/destinations/{hotel}/tours", f"/console/destinations/{site}/tours"):
        assert (await client.get(path)).status_code == 403
        posted = await client.post(path, data={"csrf": token, "slug": "cua-toi",
                                               "title_vi": "Của tôi"})
        assert posted.status_code == 403
    assert (await client.post("/console/tours/1/upload", data={
        "csrf": token, "content_type": "image/jpeg"})).status_code == 403
    assert (await client.post("/console/scenes/1", data={
        "csrf": token, "action": "add_hotspot", "kind": "info", "yaw": "1", "pitch": "1",
        "text_vi": "x"})).status_code == 403
    assert await session.scalar(select(func.count()).select_from(Tour)) == tours_before
