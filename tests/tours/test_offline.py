"""Offline packs: a manifest whose every URL answers with the bytes it announces, and a zip
built once per content version into the media store (local folder, S3 over HTTP) and
downloaded from there by a redirect."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.settings import MediaSettings, S3Settings, Settings
from api.types.common import to_global_id
from core.language import best_match, language_chain
from geo.geometry import GeoPoint
from geo.models import Destination
from media.store import LocalStore, MediaStore, S3Store
from qr.demo import demo_file, load_demo_guides
from qr.models import TargetKind
from qr.service import QrTarget, retarget_qr_code, set_qr_code_enabled
from tests.tours.conftest import STAFF, make_small_tour, staff_app
from tours import narrations
from tours import service as tour_service
from tours.models import Narration, Stop
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


# -- the audio guide in the pack ------------------------------------------------------------

GUIDE_PACK = """
query($id: ID!, $languages: [String!]) { destination(id: $id) {
  offlinePack(languages: $languages) {
    requestedLanguages baseBytes totalBytes url manifestUrl version languages { lang bytes files }
  } } }
"""
SOURCES = """
query($id: ID!) { destination(id: $id) { stops {
  narrations { lang audioUrl sources { url contentType codec durationSeconds byteSize } }
} } }
"""
#: The demo sites with narrated stops, their site codes and their stops' printed codes.
SITES = {"den-do": ("DDBNH7", ["DEND65"]),
         "chua-ba-thien-hau": ("THAUCB", ["THAU22", "THAU23"])}
NARRATION_PATH = re.compile(  # a stop's narration, or a site's (narrations/sites/…)
    r"^narrations/(?P<site>sites/)?(?P<id>\d+)/(?P<lang>[^/]+)/[0-9a-f]+\.(mp3|ogg|m4a|vtt)$")


async def _guide_site(session: AsyncSession, store: MediaStore, slug: str) -> Destination:
    """The demo guide (stops, narrations in Ogg and MP3, codes) of every demo site, with a
    small tour of the pagoda first so that its main hall gets a viewpoint."""
    await make_small_tour(session, store)
    await load_demo_guides(session=session, store=store)
    await session.flush()
    return (await session.execute(select(Destination).where(Destination.slug == slug))
            ).scalar_one()


def _duration(data: bytes, content_type: str) -> float:
    """The duration mutagen reads from a file, by its type (MP3, M4A or Ogg Opus)."""
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus

    reader = {"audio/mpeg": MP3, "audio/mp4": MP4, "audio/ogg": OggOpus}[content_type]
    found: Any = reader(io.BytesIO(data))  # type: ignore[no-untyped-call]
    return float(found.info.length)


@pytest.mark.parametrize("slug", list(SITES))
async def test_the_pack_holds_the_guide_and_every_narration_in_it_plays(
        session: AsyncSession, staff_client: httpx.AsyncClient, slug: str) -> None:
    # given a narrated site (its stops narrated in vi and en, as Ogg and MP3)
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    site = await _guide_site(session, store, slug)
    route = list((await session.execute(select(Stop).where(Stop.destination_id == site.id)
                                        .order_by(Stop.position, Stop.id))).scalars())
    narrations = {(n.stop_id, n.lang): n for n in (await session.execute(
        select(Narration).where(Narration.stop_id.in_([s.id for s in route])))).scalars()}
    assert len(route) == len(SITES[slug][1]) and len(narrations) == 2 * len(route)
    # when its pack is downloaded in Vietnamese and English
    redirect = await staff_client.get(f"/destinations/{slug}/offline.zip?lang=vi,en")
    assert redirect.status_code == 307, redirect.text
    archive = zipfile.ZipFile(io.BytesIO((await _get(staff_client,
                                                     redirect.headers["location"])).content))
    manifest = json.loads(archive.read("manifest.json"))
    # then every file the manifest names is there, whole, with its sha256
    assert set(archive.namelist()) == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    for file in manifest["files"]:
        body = archive.read(file["path"])
        assert len(body) == file["bytes"], file["path"]
        assert hashlib.sha256(body).hexdigest() == file["sha256"], file["path"]
    # the stops in route order, with their titles in both languages
    guide = json.loads(archive.read("stops.json"))
    assert [s["id"] for s in guide["stops"]] == [s.id for s in route]
    for document, stop in zip(guide["stops"], route, strict=True):
        assert document["title"]["vi"] == {"text": stop.title["vi"], "lang": "vi"}
        assert document["title"]["en"] == {"text": stop.title["en"], "lang": "en"}
        assert document["text"]["en"]["text"] == stop.text["en"]
        assert document["narrationLanguage"] == {"vi": "vi", "en": "en"}
        for lang in ("vi", "en"):
            recorded = narrations[(stop.id, lang)]
            carried = document["narrations"][lang]
            # every narration in Ogg and MP3, each playable, as long as recorded (0.1 s)
            assert {s["type"] for s in carried["sources"]} == {"audio/ogg", "audio/mpeg"}
            recorded_lengths = {recorded.audio_type: recorded.duration_s} | {
                a["type"]: a["durationS"] for a in recorded.alternatives}
            for source in carried["sources"]:
                body = archive.read(source["path"])
                assert body == demo_file(f"{SITES_MEDIA[(slug, stop.position)]}.{lang}."
                                         f"{'mp3' if source['type'] == 'audio/mpeg' else 'ogg'}")
                length = _duration(body, source["type"])
                assert abs(length - recorded_lengths[source["type"]]) < 0.1, source
                assert abs(length - recorded.duration_s) < 0.25  # the same recording
            transcript = archive.read(carried["transcript"])
            assert transcript.startswith(b"WEBVTT")
            assert transcript == store.get(recorded.transcript_key)
    # the codes printed on site open their stops, the site's code the site
    site_code, stop_codes = SITES[slug]
    opened = {c["code"]: c for c in json.loads(archive.read("qr.json"))["codes"]}
    assert opened[site_code] == {"code": site_code, "kind": "destination"}
    for code, stop in zip(stop_codes, route, strict=True):
        assert opened[code] == {"code": code, "kind": "stop", "stopId": stop.id}
    # and the size of each language, announced before the download, is what its files weigh
    weighed: dict[str, int] = {}
    base = 0
    for info in archive.infolist():
        found = NARRATION_PATH.match(info.filename)
        if found:
            weighed[found["lang"]] = weighed.get(found["lang"], 0) + info.file_size
        elif info.filename != "manifest.json":
            base += info.file_size
    assert set(weighed) == {"vi", "en"} and all(weighed.values())
    announced = (await staff_client.post("/graphql", json={"query": GUIDE_PACK, "variables": {
        "id": to_global_id("Destination", site.id), "languages": ["vi", "en"]}})).json()
    pack = announced["data"]["destination"]["offlinePack"]
    assert {p["lang"]: p["bytes"] for p in pack["languages"]} == weighed
    assert pack["baseBytes"] == base and pack["totalBytes"] == base + sum(weighed.values())
    assert {p["lang"]: p["bytes"] for p in manifest["languages"]} == weighed
    assert manifest["baseBytes"] == base
    assert urlsplit(pack["url"]).path == f"/destinations/{slug}/offline.zip"
    assert (await _get(staff_client, pack["url"])).headers["location"] == \
        redirect.headers["location"]


async def test_the_pack_holds_the_site_narration_and_counts_it_in_its_language(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    # given the pagoda, whose own code plays a site narration (vi and en, Ogg and MP3)
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    site = await _guide_site(session, store, "chua-ba-thien-hau")
    recorded = {n.lang: n for n in (await session.execute(
        select(Narration).where(Narration.destination_id == site.id))).scalars()}
    assert set(recorded) == {"vi", "en"}
    # when its pack is downloaded in Korean and Vietnamese
    redirect = await staff_client.get("/destinations/chua-ba-thien-hau/offline.zip?lang=ko,vi")
    archive = zipfile.ZipFile(io.BytesIO((await _get(staff_client,
                                                     redirect.headers["location"])).content))
    manifest = json.loads(archive.read("manifest.json"))
    entries = {f["path"]: f for f in manifest["files"]}
    own = json.loads(archive.read("stops.json"))["site"]
    # then the site's narration serves both (Korean by the English one, which says so)
    assert own["narrationLanguage"] == {"ko": "en", "vi": "vi"}
    assert set(own["narrations"]) == {"en", "vi"}
    for lang, carried in own["narrations"].items():
        assert carried["lang"] == lang
        assert {s["type"] for s in carried["sources"]} == {"audio/ogg", "audio/mpeg"}
        for source in carried["sources"]:
            body = archive.read(source["path"])
            assert NARRATION_PATH.match(source["path"])["site"]  # type: ignore[index]
            assert entries[source["path"]]["lang"] == lang
            assert hashlib.sha256(body).hexdigest() == entries[source["path"]]["sha256"]
            assert abs(_duration(body, source["type"]) - recorded[lang].duration_s) < 0.25
        assert archive.read(carried["transcript"]) == store.get(recorded[lang].transcript_key)
        assert entries[carried["transcript"]]["lang"] == lang
    # and each language's announced size counts the site's files with the stops'
    site_files = {p: f["bytes"] for p, f in entries.items() if p.startswith("narrations/sites/")}
    assert len(site_files) == 6  # two languages × (Ogg, MP3, WebVTT)
    for part in manifest["languages"]:
        assert part["bytes"] == sum(f["bytes"] for f in manifest["files"]
                                    if f.get("lang") == part["lang"])
        assert part["bytes"] > sum(b for p, b in site_files.items()
                                   if f"/{part['lang']}/" in p) > 0


#: Which demo media files each demo stop was given (site, position) → file stem.
SITES_MEDIA = {("den-do", 1): "den-do-1", ("chua-ba-thien-hau", 1): "chua-ba-thien-hau-1",
               ("chua-ba-thien-hau", 2): "chua-ba-thien-hau-2"}


async def test_a_language_without_narrations_carries_the_one_that_serves_it(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    site = await _guide_site(session, store, "den-do")  # no German text or narration
    answer = (await staff_client.post("/graphql", json={"query": GUIDE_PACK, "variables": {
        "id": to_global_id("Destination", site.id), "languages": ["de"]}})).json()
    pack = answer["data"]["destination"]["offlinePack"]
    assert pack["requestedLanguages"] == ["de"]
    served = best_match(["vi", "en"], language_chain("de", None))  # core.language decides
    assert [p["lang"] for p in pack["languages"]] == [served]
    redirect = await staff_client.get(pack["url"])
    archive = zipfile.ZipFile(io.BytesIO((await _get(staff_client,
                                                     redirect.headers["location"])).content))
    stop = json.loads(archive.read("stops.json"))["stops"][0]
    assert stop["narrationLanguage"] == {"de": served}
    assert set(stop["narrations"]) == {served}  # the other language stays out of the pack
    assert {NARRATION_PATH.match(n)["lang"] for n in archive.namelist()  # type: ignore[index]
            if n.startswith("narrations/")} == {served}
    assert stop["title"]["de"]["lang"] == served  # and says which language it is in


async def test_the_content_version_changes_with_a_stop_a_narration_or_a_code(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    site = await _guide_site(session, store, "den-do")
    url = "/destinations/den-do/offline.zip?lang=vi"

    async def key() -> str:
        redirect = await staff_client.get(url)
        assert redirect.status_code == 307
        return urlsplit(redirect.headers["location"]).path

    stop = (await session.execute(select(Stop).where(Stop.destination_id == site.id))
            ).scalar_one()
    seen = [await key()]
    assert await key() == seen[0]  # the same content, the same zip
    stop.title = {**stop.title, "vi": "Đền Đô – Lý Bát Đế"}
    await session.flush()
    seen.append(await key())
    await narrations.add_narration_format(
        session=session, store=store, actor=STAFF, stop_id=stop.id, lang="vi",
        audio=demo_file("den-do-1.vi.mp3"), content_type="audio/mpeg")  # a new MP3 upload
    seen.append(await key())
    await retarget_qr_code(session=session, actor=STAFF, code="DEND65",
                           target=QrTarget(TargetKind.DESTINATION, site.id))
    seen.append(await key())
    await set_qr_code_enabled(session=session, actor=STAFF, code="DDBNH7", enabled=False)
    seen.append(await key())
    assert len(set(seen)) == len(seen), seen


@pytest.mark.parametrize("lang", ["ko,not a tag", "vi,en,ko,zh,ja,fr,de"])
async def test_a_pack_in_malformed_or_too_many_languages_is_refused(
        staff_client: httpx.AsyncClient, lang: str) -> None:
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    before = store.list_keys(PACK_PREFIX)
    for kind in ("json", "zip"):
        answer = await staff_client.get(f"/destinations/den-do/offline.{kind}",
                                        params={"lang": lang})
        assert answer.status_code == 400
        assert answer.json()["code"] == "INVALID_LANGUAGE"
    assert store.list_keys(PACK_PREFIX) == before


async def test_graphql_and_the_scan_page_offer_every_format(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store: MediaStore = staff_client.app.state.store  # type: ignore[attr-defined]
    site = await _guide_site(session, store, "den-do")
    answer = (await staff_client.post("/graphql", json={"query": SOURCES, "variables": {
        "id": to_global_id("Destination", site.id)}})).json()
    for narration in answer["data"]["destination"]["stops"][0]["narrations"]:
        sources = narration["sources"]
        assert [s["contentType"] for s in sources] == ["audio/ogg", "audio/mpeg"]
        assert [s["codec"] for s in sources] == ["opus", "mp3"]
        assert sources[0]["url"] == narration["audioUrl"]
        for source in sources:
            body = (await _get(staff_client, source["url"])).content
            assert len(body) == source["byteSize"]
            assert abs(_duration(body, source["contentType"])
                       - source["durationSeconds"]) < 0.1
    page = await staff_client.get("/q/DEND65", headers={"accept-language": "en"})
    assert page.status_code == 200
    audio = re.search(r"<audio[^>]*>(.*?)</audio>", page.text, re.S)
    assert audio is not None
    types = re.findall(r'<source src="[^"]+" type="([^"]+)">', audio.group(1))
    assert types == ["audio/ogg", "audio/mpeg"]
