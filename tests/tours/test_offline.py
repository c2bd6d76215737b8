"""Offline packs: a manifest whose every URL answers with the bytes it announces, and a zip."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.tours.conftest import make_small_tour


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
        parts = urlsplit(file["url"])
        got = await staff_client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert got.status_code == 200, file["url"]
        assert len(got.content) == file["bytes"], file["url"]
    paths = {f["path"] for f in files}
    for panorama in small.panoramas:
        prefix = f"panoramas/{panorama.sha256}"
        assert {f"{prefix}/fallback/{face}.jpg" for face in "fbudlr"} <= paths
        assert f"{prefix}/1/f0_0.jpg" in paths
        assert not any(p.startswith(f"{prefix}/3/") for p in paths)  # only the first levels
    config = json.loads((await staff_client.get(
        urlsplit(next(f["url"] for f in files if f["path"].startswith("tours/"))).path
        + "?lang=vi")).content)
    for scene in config["scenes"].values():
        assert scene["multiRes"]["basePath"].startswith("panoramas/")  # relative: offline
        assert scene["multiRes"]["maxLevel"] <= 2
    archive = await staff_client.get("/destinations/chua-ba-thien-hau/offline.zip?lang=vi")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    assert set(sizes) == paths | {"manifest.json"}
    assert all(sizes[f["path"]] == f["bytes"] for f in files)


async def test_unknown_destinations_have_no_pack(staff_client: httpx.AsyncClient) -> None:
    answer = await staff_client.get("/destinations/nowhere/offline.json")
    assert answer.status_code == 404
