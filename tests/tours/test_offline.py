"""Offline packs: a manifest whose every URL answers with the bytes it announces, and a zip
built once per content version into the media store (local folder, S3 over HTTP) and
downloaded from there by a redirect."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.settings import MediaSettings, S3Settings, Settings
from geo.geometry import GeoPoint
from media.store import LocalStore, MediaStore, S3Store
from tests.tours.conftest import STAFF, make_small_tour, staff_app
from tours import service as tour_service
from tours.offline import PACK_PREFIX

PACK = "/destinations/chua-ba-thien-hau/offline.zip?lang=vi"


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """A GET of a URL the app gave: through the app when it is the app's, else over HTTP."""
    parts = urlsplit(url)
    if parts.netloc in ("", "testserver"):
        return await client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(url)


async def test_manifest_lists_every_file_with_its_size_and_the_zip_holds_them(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store = staff_client.app.state.store  # type: ignore[attr-defined]
    small = await make_small_tour(session, store)
    answer = await staff_client.get("/destinations/chua-ba-thien-hau/offline.json?lang=vi")
    assert answer.status_code == 200
    manifest = answer.json()
    files = manifest["files"]
    assert manifest["totalBytes"] == sum(f["bytes"] for f in files) > 0
    for file in files:
        got = await _get(staff_client, file["url"])
        assert got.status_code == 200, file["url"]
        assert len(got.content) == file["bytes"], file["url"]
    paths = {f["path"] for f in files}
    for panorama in small.panoramas:
        prefix = f"panoramas/{panorama.sha256}"
        assert {f"{prefix}/fallback/{face}.jpg" for face in "fbudlr"} <= paths
        assert f"{prefix}/1/f0_0.jpg" in paths
        assert not any(p.startswith(f"{prefix}/3/") for p in paths)  # only the first levels
    config = json.loads((await _get(staff_client, next(
        f["url"] for f in files if f["path"].startswith("tours/")))).content)
    for scene in config["scenes"].values():
        assert scene["multiRes"]["basePath"].startswith("panoramas/")  # relative: offline
        assert scene["multiRes"]["maxLevel"] <= 2
    redirect = await staff_client.get(PACK)
    assert redirect.status_code == 307 and not redirect.content  # the app never sends the zip
    archive = await _get(staff_client, redirect.headers["location"])
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
        assert json.loads(z.read("manifest.json"))["totalBytes"] == manifest["totalBytes"]
        tile = next(f["path"] for f in files if f["path"].endswith("/1/f0_0.jpg"))
        assert z.read(tile) == store.get(tile)
    assert set(sizes) == paths | {"manifest.json"}
    assert all(sizes[f["path"]] == f["bytes"] for f in files)


async def test_unknown_destinations_have_no_pack(staff_client: httpx.AsyncClient) -> None:
    for path in ("/destinations/nowhere/offline.json", "/destinations/nowhere/offline.zip"):
        answer = await staff_client.get(path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "DESTINATION_NOT_FOUND"


@dataclass
class PackApp:
    """An app over one store, and how to tell whether a stored object was written again."""

    client: httpx.AsyncClient
    store: MediaStore
    writes_of: Callable[[str], object]  # a key → what changes when the object is rewritten
    cdn: str | None = None


@pytest.fixture(params=["local", "s3", "s3-cdn"])
async def pack_app(request: pytest.FixtureRequest, settings: Settings,
                   connection: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
                   ) -> AsyncIterator[PackApp]:
    cdn = None
    if request.param == "local":
        app = staff_app(settings, connection, sessions)
        local: LocalStore = app.state.store

        def writes_of(key: str) -> object:
            stat = local.path(key).stat()
            return (stat.st_ino, stat.st_mtime_ns)  # a rewrite renames a new file in
    else:
        s3: S3Store = request.getfixturevalue("s3_store")
        endpoint: str = request.getfixturevalue("s3_endpoint")
        s3.client.put_bucket_versioning(Bucket=s3.bucket,
                                        VersioningConfiguration={"Status": "Enabled"})
        cdn = f"{endpoint}/{s3.bucket}" if request.param == "s3-cdn" else None
        if cdn:  # what a CDN with origin access reads: the packs (and the panoramas)
            s3.client.put_bucket_policy(Bucket=s3.bucket, Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{s3.bucket}/{s3.prefix}/{PACK_PREFIX}/*"}]}))
        app = staff_app(settings.model_copy(update={
            "media": MediaSettings(url=f"s3://{s3.bucket}/{s3.prefix}", public_url=cdn),
            "s3": S3Settings(endpoint_url=endpoint)}), connection, sessions)

        def writes_of(key: str) -> object:
            answer = s3.client.list_object_versions(Bucket=s3.bucket, Prefix=f"media/{key}")
            return [v["VersionId"] for v in answer.get("Versions", [])]  # one per PutObject
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield PackApp(client=client, store=app.state.store, writes_of=writes_of, cdn=cdn)


async def _pack(app: PackApp, lang: str = "vi") -> tuple[str, zipfile.ZipFile]:
    """The store key the pack redirects to, and the zip found there."""
    redirect = await app.client.get(PACK.replace("lang=vi", f"lang={lang}"))
    assert redirect.status_code == 307, redirect.text
    assert redirect.headers["cache-control"] == "no-cache"
    location = redirect.headers["location"]
    path = urlsplit(location).path
    key = path[path.index(f"{PACK_PREFIX}/"):]
    if app.cdn:
        assert location.startswith(f"{app.cdn}/") and "X-Amz-Signature" not in location
    archive = await _get(app.client, location)
    assert archive.status_code == 200, location
    return key, zipfile.ZipFile(io.BytesIO(archive.content))


def _tour_titles(archive: zipfile.ZipFile) -> list[str]:
    configs = [json.loads(archive.read(n)) for n in archive.namelist()
               if n.startswith("tours/")]
    return [s["title"] for c in configs for s in c["scenes"].values()]


async def test_a_pack_is_built_once_per_content_version_and_served_by_the_store(
        session: AsyncSession, pack_app: PackApp) -> None:
    small = await make_small_tour(session, pack_app.store)
    key, archive = await _pack(pack_app)
    assert key.startswith(f"{PACK_PREFIX}/") and key.endswith("/chua-ba-thien-hau-vi.zip")
    manifest = json.loads(archive.read("manifest.json"))
    assert set(archive.namelist()) == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    for name in archive.namelist():
        if name.startswith("panoramas/"):
            assert archive.read(name) == pack_app.store.get(name), name
    written = pack_app.writes_of(key)
    assert written

    again, _ = await _pack(pack_app)
    assert again == key and pack_app.writes_of(key) == written  # not built again

    english, _ = await _pack(pack_app, "en")
    assert english != key  # another language, another pack

    small.tour.title = {"vi": "Chùa Bà Thiên Hậu 360°", "en": "Pagoda visit"}
    await session.flush()
    retitled, archive = await _pack(pack_app)
    assert retitled != key
    config = json.loads(next(archive.read(n) for n in archive.namelist()
                             if n.startswith("tours/")))
    assert config["default"]["title"] == "Chùa Bà Thiên Hậu 360°"

    await tour_service.add_scene(session=session, actor=STAFF, tour_id=small.tour.id,
                                 scene=tour_service.NewScene(
                                     panorama_id=small.panoramas[0].id,
                                     title={"vi": "Cảnh 3"},
                                     location=GeoPoint(lat=10.9801, lng=106.6541)))
    extended, archive = await _pack(pack_app)
    assert extended not in (key, retitled)
    assert "Cảnh 3" in _tour_titles(archive)
    assert pack_app.store.head(key) is not None  # an older version stays for whoever has it



async def test_pack_builds_are_bounded_and_a_built_pack_needs_no_slot(
        session: AsyncSession, staff_client: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api import tour_routes
    from core.capacity import WorkSlots

    store = staff_client.app.state.store  # type: ignore[attr-defined]
    await make_small_tour(session, store)
    slots = WorkSlots(limit=1, wait_s=0.2, refusal=tour_routes.PACK_BUILDS.refusal)
    monkeypatch.setattr(tour_routes, "PACK_BUILDS", slots)
    # given every build slot taken, a pack that is not built yet is refused, nothing stored
    taken = await slots.acquire()
    before = set(store.list_keys(PACK_PREFIX))
    busy = await staff_client.get(PACK)
    assert busy.status_code == 503 and busy.headers["retry-after"]
    assert busy.json()["code"] == "SERVICE_BUSY"
    assert set(store.list_keys(PACK_PREFIX)) == before
    slots.release(taken)
    # when a slot is free it is built; once built, it is redirected to with every slot taken
    assert (await staff_client.get(PACK)).status_code == 307
    taken = await slots.acquire()
    assert (await staff_client.get(PACK)).status_code == 307
    slots.release(taken)
