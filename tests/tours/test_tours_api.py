"""Tours over GraphQL: configs whose every tile answers, uploads, scenes near a point."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.settings import MediaSettings, S3Settings, Settings
from api.types.common import to_global_id
from media.models import MediaObject, Panorama
from media.store import S3Store
from media.tiling import layout_for
from tests.conftest import graphql
from tests.media.panorama_images import direction_panorama, encoded
from tests.reference import geodesic_m
from tests.tours.conftest import make_small_tour, staff_app

TOUR = """
query ($id: ID!) {
  tour(id: $id, lang: "vi") {
    title slug viewerUrl
    scenes { id title location { lat lng } northOffset panorama { faceSize levels thumbnailUrl }
             hotspots { kind yaw pitch text targetSceneId } }
    pannellumConfig
    marzipanoConfig
  }
}
"""


def pannellum_urls(config: dict[str, Any]) -> list[str]:
    """Every URL Pannellum may request for the tour, expanded from its templates."""
    urls = []
    for scene in config["scenes"].values():
        multi = scene["multiRes"]
        urls.append(scene["preview"])
        size = multi["cubeResolution"]
        for level in range(multi["maxLevel"], 0, -1):
            across = -(-size // multi["tileResolution"])
            for face in "fbudlr":
                for y in range(across):
                    for x in range(across):
                        path = (multi["path"].replace("%l", str(level)).replace("%s", face)
                                .replace("%y", str(y)).replace("%x", str(x)))
                        urls.append(f"{multi['basePath']}{path}.{multi['extension']}")
            size = int(size / 2)
        urls += [multi["basePath"] + multi["fallbackPath"].replace("%s", f) + ".jpg"
                 for f in "fbudlr"]
    return urls


def marzipano_urls(config: dict[str, Any]) -> list[str]:
    """Every URL Marzipano may request, from its levels and URL templates."""
    urls = []
    for scene in config["scenes"]:
        urls.append(scene["cubeMapPreviewUrl"])
        for z, level in enumerate(scene["levels"]):
            if level.get("fallbackOnly"):
                continue
            assert level["size"] % level["tileSize"] == 0  # Marzipano refuses anything else
            n = level["size"] // level["tileSize"]
            for face in "fbudlr":
                for y in range(n):
                    for x in range(n):
                        urls.append(scene["urlTemplate"].replace("{z}", str(z))
                                    .replace("{f}", face).replace("{y}", str(y))
                                    .replace("{x}", str(x)))
    return urls


async def _configs(client: httpx.AsyncClient, tour_id: int) -> dict[str, Any]:
    body = await graphql(client, TOUR, {"id": to_global_id("Tour", tour_id)})
    assert "errors" not in body, body
    tour: dict[str, Any] = body["data"]["tour"]
    return tour


async def test_configs_reference_only_tiles_that_answer_on_the_local_store(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store = staff_client.app.state.store  # type: ignore[attr-defined]
    small = await make_small_tour(session, store)
    tour = await _configs(staff_client, small.tour.id)
    assert tour["title"] == "Tham quan chùa"
    pannellum, marzipano = tour["pannellumConfig"], tour["marzipanoConfig"]
    first = pannellum["scenes"][pannellum["default"]["firstScene"]]
    assert first["multiRes"]["cubeResolution"] == layout_for(1024, 512).face_size == 320
    assert first["multiRes"]["path"] == "/%l/%s%y_%x"
    assert first["hotSpots"][0]["type"] == "scene"
    assert first["hotSpots"][0]["sceneId"] in pannellum["scenes"]
    assert [s["id"] for s in marzipano["scenes"]] == list(pannellum["scenes"])
    urls = pannellum_urls(pannellum) + marzipano_urls(marzipano)
    assert len(urls) > 80
    for url in urls:
        response = await staff_client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/jpeg"
    missing = await staff_client.get(urlsplit(urls[0]).path.replace("preview", "nope"))
    assert missing.status_code == 404


async def test_configs_on_s3_answer_over_http_through_a_cdn_url_and_signed_redirects(
        session: AsyncSession, s3_store: S3Store, s3_endpoint: str, settings: Settings,
        connection: AsyncConnection, sessions: async_sessionmaker[AsyncSession]) -> None:
    # What a CDN (CloudFront with origin access) gets: read access to the panoramas only.
    s3_store.client.put_bucket_policy(Bucket=s3_store.bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_store.bucket}/{s3_store.prefix}/panoramas/*"}]}))
    cdn_url = f"{s3_endpoint}/{s3_store.bucket}"
    small = await make_small_tour(session, s3_store)
    for public_url in (cdn_url, None):
        s3_settings = settings.model_copy(update={
            "media": MediaSettings(url=f"s3://{s3_store.bucket}/{s3_store.prefix}",
                                   public_url=public_url),
            "s3": S3Settings(endpoint_url=s3_endpoint)})
        app = staff_app(s3_settings, connection, sessions)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            tour = await _configs(c, small.tour.id)
            urls = (pannellum_urls(tour["pannellumConfig"])
                    + marzipano_urls(tour["marzipanoConfig"]))
            with httpx.Client(timeout=30) as http:
                for url in urls[:: 1 if public_url else 5]:
                    if public_url is None:
                        redirect = await c.get(urlsplit(url).path)
                        assert redirect.status_code == 307
                        assert "X-Amz-Signature=" in redirect.headers["location"]
                        url = redirect.headers["location"]
                    else:
                        assert url.startswith(cdn_url)
                    assert http.get(url).status_code == 200, url


async def test_scenes_near_are_nearest_first_with_geodesic_distances(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    store = staff_client.app.state.store  # type: ignore[attr-defined]
    small = await make_small_tour(session, store)
    query = """query ($near: GeoPointInput!, $r: Float!) {
      scenesNear(near: $near, radiusMeters: $r) { distanceMeters scene { id title } } }"""
    near = {"lat": 10.9800, "lng": 106.6541}
    body = await graphql(staff_client, query, {"near": near, "r": 500.0})
    found = body["data"]["scenesNear"]
    assert [f["scene"]["id"] for f in found] == [to_global_id("Scene", s.id)
                                                 for s in reversed(small.scenes)]
    for hit, lat in zip(found, (10.9796, 10.9791), strict=True):
        assert abs(hit["distanceMeters"] - geodesic_m(near["lat"], near["lng"], lat,
                                                      106.6541)) < 1.0
    body = await graphql(staff_client, query, {"near": near, "r": 60.0})
    assert [f["scene"]["id"] for f in body["data"]["scenesNear"]] == [
        to_global_id("Scene", small.scenes[1].id)]


UPLOAD = """mutation ($type: String!) {
  requestPanoramaUpload(contentType: $type) { url fields { name value } key maxBytes } }"""
INGEST = """mutation ($key: String!) {
  addPanoramaFromUpload(key: $key) { id status failure sha256 width thumbnailUrl } }"""
STATUS = """query ($id: ID!) {
  panorama(id: $id) { id status failure sha256 width faceSize levels thumbnailUrl } }"""


async def _counts(session: AsyncSession) -> tuple[int, int]:
    panoramas = (await session.execute(select(func.count(Panorama.id)))).scalar_one()
    uploads = (await session.execute(select(func.count(MediaObject.id)))).scalar_one()
    return int(panoramas), int(uploads)


async def test_a_presigned_upload_becomes_a_pending_panorama_that_the_worker_tiles(
        session: AsyncSession, staff_client: httpx.AsyncClient) -> None:
    app = staff_client.app  # type: ignore[attr-defined]
    store = app.state.store
    good = encoded(direction_panorama(1024), "JPEG")
    for data, failure in ((good[: len(good) - 500], "TRUNCATED_IMAGE"), (good, None)):
        form = (await graphql(staff_client, UPLOAD, {"type": "image/jpeg"}))
        post = form["data"]["requestPanoramaUpload"]
        fields = {f["name"]: f["value"] for f in post["fields"]}
        sent = await staff_client.post(urlsplit(post["url"]).path, data=fields,
                                       files={"file": ("pano.jpg", data, "image/jpeg")})
        assert sent.status_code == 204
        keys = store.list_keys("")
        body = await graphql(staff_client, INGEST, {"key": post["key"]})
        pending = body["data"]["addPanoramaFromUpload"]
        assert pending == {"id": pending["id"], "status": "PENDING", "failure": None,
                           "sha256": None, "width": None, "thumbnailUrl": None}
        await app.state.ingest.drain()  # the local server's tiler
        done = (await graphql(staff_client, STATUS, {"id": pending["id"]}))["data"]["panorama"]
        assert store.head(post["key"]) is None  # the upload is consumed either way
        if failure:
            assert (done["status"], done["failure"], done["width"]) == ("FAILED", failure, None)
            assert store.list_keys("") == [k for k in keys if k != post["key"]]
            continue
        assert (done["status"], done["failure"]) == ("READY", None)
        assert done["width"] == 1024 and done["faceSize"] == 320 and done["thumbnailUrl"]
        assert any(k.endswith("/source.jpg") for k in store.list_keys("panoramas"))
    again = await graphql(staff_client, INGEST, {"key": post["key"]})  # the same panorama
    assert again["data"]["addPanoramaFromUpload"]["id"] == pending["id"]
    assert again["data"]["addPanoramaFromUpload"]["status"] == "READY"


@pytest.mark.parametrize("content_type", ["image/gif", "image/tiff", "text/html"])
async def test_uploads_of_other_types_are_refused(
        session: AsyncSession, staff_client: httpx.AsyncClient, content_type: str) -> None:
    before = await _counts(session)
    body = await graphql(staff_client, UPLOAD, {"type": content_type})
    assert body["errors"][0]["extensions"]["code"] == "UNSUPPORTED_IMAGE_FORMAT"
    assert await _counts(session) == before


async def test_anonymous_callers_cannot_upload(
        session: AsyncSession, client: httpx.AsyncClient) -> None:
    body = await graphql(client, UPLOAD, {"type": "image/jpeg"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
