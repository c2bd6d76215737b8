"""The artefact, unzipped into an empty folder and run by a bare interpreter of the deployed
Python with the packaged template's environment, against PostGIS and moto's S3 and SSM:
`migrate` brings an empty database to head, `api` answers what visitors and staff ask,
`report` writes the IOC files and `purge` deletes the contacts past the retention period."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
import pytest
from alembic.script import ScriptDirectory

from api.assets import NODE_MODULES, NPM_ASSETS, STATIC, sync_viewer_assets
from api.migrations import SCRIPT_LOCATION
from core.time import local_day
from deploy.invoke import BareLambda, LambdaFailed, body_of, graphql_event, http_event
from qr.report.service import TABLES
from tests.deploy.conftest import CI_PARAMS, serverless_package
from tests.deploy.stage import (
    DATABASE,
    SSM_PREFIX,
    STAFF_EMAIL,
    Stage,
    container,
    execute,
    prepare_stage,
    scalar,
    seed,
)
from tests.qr.test_feedback import SUBMIT

PUBLIC_BASE_URL = "https://tourism.example.vn"
SEARCH = """query { searchDestinations(text: "chua ba thien hau", first: 1, lang: "en") {
  edges { node { id name nameLang } } } }"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken } }"""
SHEET = """mutation($id: ID!) {
  printQrSheet(destinationId: $id) { contentType labelCount urls } }"""
HEAVY = {"cv2", "simplejpeg", "fpdf", "fontTools", "mutagen", "pyproj", "typer", "uvicorn",
         "PIL", "qrcode", "jinja2"}


@pytest.fixture(scope="module")
def stage(postgis_url: str, s3_endpoint: str) -> Stage:
    """An empty database prepared by the admin role, a bucket, the secrets in SSM."""
    return prepare_stage(postgis_url, s3_endpoint)


@pytest.fixture(scope="module")
def template(stage: Stage, api_zip: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, Any]:
    """The template packaged for this stage (its database, its bucket)."""
    params = {**CI_PARAMS, "databaseUrl": stage.app_url, "mediaBucket": stage.bucket,
              "publicBaseUrl": PUBLIC_BASE_URL, "ssmPrefix": SSM_PREFIX}
    return serverless_package(params, tmp_path_factory.mktemp("stage"))


@pytest.fixture(scope="module")
def migrated(stage: Stage, template: dict[str, Any], lambda_python: Path, api_task: Path,
             runtime_folder: Path) -> list[dict[str, Any]]:
    """What two invocations of `migrate` answered (the second one has nothing to do)."""
    with container(template, "migrate", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as function:
        first = function.invoke({})
    with container(template, "migrate", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as function:
        second = function.invoke({})
    return [first, second]


@pytest.fixture(scope="module")
def api(stage: Stage, template: dict[str, Any], migrated: list[dict[str, Any]],
        lambda_python: Path, api_task: Path, runtime_folder: Path) -> Iterator[BareLambda]:
    """One warm container of the `api` function, over the demo data."""
    seed(stage)
    sync_viewer_assets(stage.store())  # what `make deploy` does (python -m deploy.assets)
    with container(template, "api", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as function:
        yield function


def fetch(url: str) -> httpx.Response:
    """A GET straight to the store (moto), as a browser follows a redirect."""
    return httpx.get(url, timeout=30)


def test_migrate_brings_an_empty_database_to_head(migrated: list[dict[str, Any]],
                                                  stage: Stage) -> None:
    head = ScriptDirectory(str(SCRIPT_LOCATION)).get_current_head()
    assert migrated[0] == {"from": None, "to": head}
    assert migrated[1] == {"from": head, "to": head}
    # as the application role, which is no superuser and owns the tables
    assert scalar(stage, "SELECT rolsuper FROM pg_roles WHERE rolname = 'tourism_app'") is False
    assert scalar(stage, "SELECT tableowner FROM pg_tables WHERE tablename = 'destination'"
                  ) == "tourism_app"
    assert scalar(stage, "SELECT current_database()") == DATABASE


def test_init_loads_no_image_library_and_the_runtime_s_boto3(api: BareLambda,
                                                             runtime_folder: Path,
                                                             api_task: Path) -> None:
    assert HEAVY.isdisjoint(api.init["modules"])
    assert api.init["files"]["boto3"].startswith(str(runtime_folder))  # SSM read at INIT
    assert api.init["files"]["sqlalchemy"].startswith(str(api_task))
    assert not any("site-packages" in p for p in api.init["sys_path"])


def test_health_answers(api: BareLambda) -> None:
    answer = api.invoke(http_event("GET", "/healthz"))
    assert answer["statusCode"] == 200
    assert json.loads(body_of(answer)) == {"status": "ok"}


def test_graphql_answers_from_postgis(api: BareLambda) -> None:
    answer = api.invoke(graphql_event(SEARCH, headers={"accept-language": "en"}))
    assert answer["statusCode"] == 200
    body = json.loads(body_of(answer))
    assert "errors" not in body
    (edge,) = body["data"]["searchDestinations"]["edges"]
    assert edge["node"]["nameLang"] == "en" and "Thien Hau" in edge["node"]["name"]


def test_qr_scan_page_plays_its_narration_from_the_store(api: BareLambda) -> None:
    answer = api.invoke(http_event("GET", "/q/THAU23", headers={"accept-language": "en"}))
    assert answer["statusCode"] == 200
    page = body_of(answer).decode()
    audio = re.search(r'<audio[^>]*src="([^"]+)"', page) or re.search(
        r'<source[^>]*src="([^"]+)"', page)
    assert audio is not None, page[:2000]
    source = audio.group(1).replace("&amp;", "&")
    if source.startswith("/"):  # a counted play: the function redirects to the store
        played = api.invoke(http_event("GET", source))
        assert played["statusCode"] == 307, played
        source = {k.lower(): v for k, v in played["headers"].items()}["location"]
    narration = fetch(source)
    assert narration.status_code == 200 and narration.content[:4] == b"OggS"


def test_tour_page_and_every_asset_it_references(api: BareLambda, stage: Stage) -> None:
    tour_id = scalar(stage, "SELECT min(id) FROM tour")
    answer = api.invoke(http_event("GET", f"/tours/{tour_id}"))
    assert answer["statusCode"] == 200
    page = body_of(answer).decode()
    csp = {k.lower(): v for k, v in answer["headers"].items()}["content-security-policy"]
    assert f"script-src 'self' {stage.endpoint}" in csp  # the store serves the viewer
    referenced = re.findall(r'(?:src|href)="(/[^"]+)"', page)
    assert {"/assets/pannellum/pannellum.js", "/assets/pannellum/pannellum.css",
            "/assets/tour-viewer.js"} <= set(referenced)
    for path in referenced:
        asset = api.invoke(http_event("GET", path))
        assert asset["statusCode"] in (200, 307), (path, asset["statusCode"])
        if asset["statusCode"] == 307:
            location = {k.lower(): v for k, v in asset["headers"].items()}["location"]
            assert urlparse(location).netloc == urlparse(stage.endpoint).netloc
            stored = fetch(location)
            assert stored.status_code == 200, path
            name = path.removeprefix("/assets/")
            assert stored.content == (NODE_MODULES / NPM_ASSETS[name]).read_bytes()
        else:  # the app's own scripts and styles ship in the artefact
            assert body_of(asset) == (STATIC / path.removeprefix("/assets/")).read_bytes()
    # the panorama's tiles: the page's preview redirects to a signed GET of the store
    data = json.loads(re.search(r'id="tour-data">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))  # type: ignore[union-attr]
    scene = next(iter(data["pannellum"]["scenes"].values()))
    preview = urlparse(scene["preview"])
    assert f"{preview.scheme}://{preview.netloc}" == PUBLIC_BASE_URL
    tile = api.invoke(http_event("GET", preview.path))
    assert tile["statusCode"] == 307
    image = fetch({k.lower(): v for k, v in tile["headers"].items()}["location"])
    assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"


def test_staff_sign_in_and_print_a_qr_sheet(api: BareLambda, stage: Stage) -> None:
    signed = json.loads(body_of(api.invoke(graphql_event(
        LOGIN, {"email": STAFF_EMAIL, "password": stage.staff_password}))))
    token = signed["data"]["login"]["accessToken"]
    destination = json.loads(body_of(api.invoke(graphql_event(SEARCH))))[
        "data"]["searchDestinations"]["edges"][0]["node"]["id"]
    answer = api.invoke(graphql_event(SHEET, {"id": destination},
                                      headers={"authorization": f"Bearer {token}"}))
    body = json.loads(body_of(answer))
    assert "errors" not in body, body
    sheet = body["data"]["printQrSheet"]
    assert sheet["contentType"] == "application/pdf" and sheet["labelCount"] >= 2
    document = fetch(sheet["urls"][0])
    assert document.status_code == 200 and document.content[:5] == b"%PDF-"
    assert b"DejaVu" in document.content  # the fonts shipped in the artefact


def test_offline_pack_is_a_redirect_to_the_store_never_the_zip(api: BareLambda,
                                                                stage: Stage) -> None:
    slug = scalar(stage, "SELECT d.slug FROM tour t JOIN destination d "
                         "ON d.id = t.destination_id ORDER BY t.id LIMIT 1")
    event = http_event("GET", f"/destinations/{slug}/offline.zip", query={"lang": "vi"})
    answer = api.invoke(event)
    assert answer["statusCode"] == 307
    assert len(body_of(answer)) < 1024  # Lambda's response is capped at 6 MB: a pack is not
    location = {k.lower(): v for k, v in answer["headers"].items()}["location"]
    assert urlparse(location).netloc == urlparse(stage.endpoint).netloc
    assert "/media/offline-packs/" in urlparse(location).path
    stored = fetch(location)
    assert stored.status_code == 200 and stored.content[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(stored.content)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert names == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    assert any(n.startswith("panoramas/") and n.endswith(".jpg") for n in names)
    again = api.invoke(event)  # the same content version: the same stored zip
    assert {k.lower(): v for k, v in again["headers"].items()}["location"].split("?")[0] == \
        location.split("?")[0]


def test_the_report_function_writes_the_ioc_files_to_the_bucket(
    api: BareLambda, stage: Stage, template: dict[str, Any], lambda_python: Path,
    api_task: Path, runtime_folder: Path,
) -> None:
    # given the demo data, and a QR page scanned once today through the api function
    assert api.invoke(http_event("GET", "/q/THAU23"))["statusCode"] == 200
    period = local_day().strftime("%Y-%m")
    # when the scheduled function runs, as packaged, for this month and then for a bad period
    with container(template, "report", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as function:
        answer = function.invoke({"period": period})
        with pytest.raises(LambdaFailed) as refused:
            function.invoke({"period": "2025-Q9"})
    # then report.json and every table's CSV are in the bucket, under reports/ioc/<period>/
    assert "INVALID_PERIOD" in str(refused.value)
    expected = [f"reports/ioc/{period}/{name}"
                for name in ["report.json", *(f"{t}.csv" for t in TABLES)]]
    assert answer == {"period": period, "keys": expected}
    store = stage.store()
    document = json.loads(store.get(f"reports/ioc/{period}/report.json"))
    assert document["schemaVersion"] == "1" and document["period"]["label"] == period
    assert document["totals"]["scans"] >= 1
    usage = store.get(f"reports/ioc/{period}/usage.csv").decode()
    assert usage.splitlines()[0] == ",".join(TABLES["usage"])
    assert scalar(stage, "SELECT count(*) FROM usage_count WHERE kind = 'scan'") >= 1


def test_the_purge_function_deletes_only_the_contacts_past_retention(
    api: BareLambda, stage: Stage, template: dict[str, Any], lambda_python: Path,
    api_task: Path, runtime_folder: Path,
) -> None:
    # given two items with a contact, sent through the api function; one received 91 days ago
    codes = []
    for text in ("Lan can cầu thang bị gãy", "Thùng rác đầy"):
        body = json.loads(body_of(api.invoke(graphql_event(SUBMIT, {"input": {
            "code": "THAU23", "category": "SAFETY", "text": text,
            "contact": "+84 912 345 678"}}))))
        assert "errors" not in body, body
        codes.append(body["data"]["submitFeedback"]["trackingCode"])
    old, recent = codes
    execute(stage, "UPDATE feedback SET created_at = created_at - interval '91 days' "
                   f"WHERE tracking_code = '{old}'")
    # when the daily function runs, as packaged (the default retention: 90 days)
    with container(template, "purge", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as function:
        answer = function.invoke({})
    # then the old item's contact is gone, the item stays; the recent one keeps its contact
    assert answer == {"purged": 1}
    row = "SELECT {} FROM feedback WHERE tracking_code = '{}'"
    assert scalar(stage, row.format("contact IS NULL AND contact_purged_at IS NOT NULL", old))
    assert scalar(stage, row.format("text || ' ' || category", old)) == \
        "Lan can cầu thang bị gãy safety"
    assert scalar(stage, row.format("contact", recent)) == "+84 912 345 678"
    assert scalar(stage, row.format("contact_purged_at IS NULL", recent))


def _cookies(answer: dict[str, Any]) -> list[str]:
    """The Set-Cookie values of a function's answer (payload 2.0 puts them apart)."""
    found = list(answer.get("cookies") or [])
    headers = {k.lower(): v for k, v in answer.get("headers", {}).items()}
    return found + ([headers["set-cookie"]] if "set-cookie" in headers else [])


def test_the_console_signs_staff_in_with_a_secure_cookie(api: BareLambda, stage: Stage) -> None:
    form = api.invoke(http_event("GET", "/console/sign-in",
                                 headers={"accept-language": "vi-VN"}))
    assert form["statusCode"] == 200
    page = body_of(form).decode()
    assert "Đăng nhập" in page and '<html lang="vi">' in page
    headers = {k.lower(): v for k, v in form["headers"].items()}
    assert "script-src 'self'" in headers["content-security-policy"]
    (pre,) = [c for c in _cookies(form) if c.startswith("tourism_console_pre=")]
    assert "Secure" in pre and "HttpOnly" in pre
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    body = urlencode({"csrf": csrf.group(1), "email": STAFF_EMAIL,
                      "password": stage.staff_password, "next": "/console/"}).encode()
    signed = api.invoke(http_event("POST", "/console/sign-in", body=body, headers={
        "content-type": "application/x-www-form-urlencoded",
        "cookie": pre.split(";")[0]}))
    assert signed["statusCode"] == 303, body_of(signed)[:500]
    (session,) = [c for c in _cookies(signed) if c.startswith("tourism_console=")]
    assert "Secure" in session and "HttpOnly" in session
    home = api.invoke(http_event("GET", "/console/", headers={
        "cookie": session.split(";")[0], "accept-language": "en"}))
    assert home["statusCode"] == 200 and "Destinations" in body_of(home).decode()
