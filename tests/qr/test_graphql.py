"""The audio guides over GraphQL: reading codes, stops and kiosks; staff changes and numbers."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from core.time import local_day
from media.store import LocalStore
from tests.conftest import StatementCounter, graphql
from tests.qr.conftest import data_file, make_guide_stop
from tours.models import Narration, Stop

QR_CODE = """
query ($code: String!, $lang: String) {
  qrCode(code: $code, lang: $lang) {
    code url enabled targetKind
    stop { title { text lang } position viewpoint { url } }
    destination { name }
    narration { lang audioUrl contentType durationSeconds transcript translation }
    image(format: PNG, size: 200) { contentType dataUrl }
  }
}"""

ROUTE = """
query ($id: ID!) {
  destination(id: $id, lang: "en") {
    name
    stops { position title { text } narrations { lang durationSeconds } narration { lang } }
  }
  kiosk(destinationId: $id, lang: "vi") {
    stops { title { text } qrCodes { code url } }
  }
}"""


def _store(client: httpx.AsyncClient) -> LocalStore:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


async def test_qr_code_gives_its_stop_and_narration_in_the_language(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    body = await graphql(client, QR_CODE, {"code": guide.code.lower(), "lang": "en"})
    qr = body["data"]["qrCode"]
    assert qr["code"] == guide.code and qr["url"] == f"http://testserver/q/{guide.code}"
    assert qr["targetKind"] == "STOP" and qr["destination"]["name"] == "Lady Thien Hau Pagoda"
    assert qr["stop"]["title"] == {"text": "Main hall of Lady Thien Hau", "lang": "en"}
    narration = qr["narration"]
    assert narration["lang"] == "en" and narration["contentType"] == "audio/ogg"
    assert narration["translation"] == "HUMAN" and narration["transcript"].startswith("The main")
    assert qr["image"]["dataUrl"].startswith("data:image/png;base64,")
    fallback = await graphql(client, QR_CODE, {"code": guide.code},
                             headers={"Accept-Language": "ja"})
    assert fallback["data"]["qrCode"]["narration"]["lang"] == "en"  # a foreign visitor: en
    home = await graphql(client, QR_CODE, {"code": guide.code}, headers={"Accept-Language": "vi"})
    assert home["data"]["qrCode"]["narration"]["lang"] == "vi"
    missing = await graphql(client, QR_CODE, {"code": "ZZZZZZ"})
    assert missing["data"]["qrCode"] is None


async def test_destination_stops_and_kiosk_in_few_statements(
    client: httpx.AsyncClient, session: AsyncSession, count_statements: StatementCounter,
) -> None:
    guide = await make_guide_stop(session, _store(client))
    await make_guide_stop(session, _store(client))
    count_statements.statements.clear()
    body = await graphql(client, ROUTE, {"id": to_global_id("Destination",
                                                            guide.destination.id)})
    assert "errors" not in body, body
    stops = body["data"]["destination"]["stops"]
    assert [s["position"] for s in stops] == [1, 2]
    assert all({n["lang"] for n in s["narrations"]} == {"vi", "en"} for s in stops)
    assert all(s["narration"]["lang"] == "en" for s in stops)
    kiosk = body["data"]["kiosk"]["stops"]
    assert kiosk[0]["title"]["text"] == "Chính điện thờ Bà Thiên Hậu"
    assert [len(s["qrCodes"]) for s in kiosk] == [1, 1]
    # destination, its stops, their narrations, their codes (the kiosk reuses the loaders)
    assert count_statements.count <= 6, count_statements.statements


CREATE_STOP = """
mutation ($input: CreateStopInput!) { createStop(input: $input) { id title { text } position } }
"""
REQUEST = """
mutation ($stop: ID!) {
  requestNarrationUpload(stopId: $stop, lang: "en", contentType: MP3) {
    url fields { name value } key }
}"""
CONFIRM = """
mutation ($stop: ID!, $key: String!, $vtt: String!) {
  confirmNarrationUpload(stopId: $stop, lang: "en", key: $key, transcript: $vtt,
                         translation: MACHINE) { lang durationSeconds translation audioUrl }
}"""
CREATE_CODE = """
mutation ($id: ID!) { createQrCode(target: {kind: STOP, id: $id}) { code enabled targetKind } }
"""
DISABLE = """
mutation ($code: String!) { setQrCodeEnabled(code: $code, enabled: false) { enabled } }
"""


async def test_staff_build_a_stop_with_narration_and_code(
    staff_client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    destination_id = to_global_id("Destination", 1)
    created = await graphql(staff_client, CREATE_STOP, {"input": {
        "destinationId": destination_id,
        "title": [{"lang": "vi", "text": "Giếng cổ"}, {"lang": "en", "text": "Old well"}]}})
    stop_id = created["data"]["createStop"]["id"]
    upload = (await graphql(staff_client, REQUEST, {"stop": stop_id}))[
        "data"]["requestNarrationUpload"]
    posted = await staff_client.post(upload["url"].removeprefix("http://testserver"),
                                     data={f["name"]: f["value"] for f in upload["fields"]},
                                     files={"file": ("a.mp3", data_file("tone.mp3"),
                                                     "audio/mpeg")})
    assert posted.status_code == 204
    confirmed = await graphql(staff_client, CONFIRM, {
        "stop": stop_id, "key": upload["key"],
        "vtt": "WEBVTT\n\n00:00.000 --> 00:03.000\nAn old well.\n"})
    narration = confirmed["data"]["confirmNarrationUpload"]
    assert narration["lang"] == "en" and narration["translation"] == "MACHINE"
    assert 2.9 < narration["durationSeconds"] < 3.2
    code = (await graphql(staff_client, CREATE_CODE, {"id": stop_id}))["data"]["createQrCode"]
    assert code["enabled"] and code["targetKind"] == "STOP"
    page = await staff_client.get(f"/q/{code['code']}?lang=en")
    assert page.status_code == 200 and "An old well." in page.text
    disabled = await graphql(staff_client, DISABLE, {"code": code["code"]})
    assert disabled["data"]["setQrCodeEnabled"]["enabled"] is False
    assert (await staff_client.get(f"/q/{code['code']}")).status_code == 404


async def test_refused_confirm_over_graphql_stores_nothing(
    staff_client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(staff_client))
    stop_id = to_global_id("Stop", guide.stop.id)
    keys_before = _store(staff_client).list_keys("narrations")
    narrations_before = await session.scalar(select(func.count(Narration.id)))
    upload = (await graphql(staff_client, REQUEST, {"stop": stop_id}))[
        "data"]["requestNarrationUpload"]
    await staff_client.post(upload["url"].removeprefix("http://testserver"),
                            data={f["name"]: f["value"] for f in upload["fields"]},
                            files={"file": ("a.mp3", data_file("tone.wav"), "audio/mpeg")})
    refused = await graphql(staff_client, CONFIRM, {"stop": stop_id, "key": upload["key"],
                                                    "vtt": "WEBVTT\n"})
    assert refused["errors"][0]["extensions"]["code"] == "AUDIO_TYPE_MISMATCH"
    assert _store(staff_client).list_keys("narrations") == keys_before
    assert await session.scalar(select(func.count(Narration.id))) == narrations_before


async def test_anonymous_changes_are_refused_and_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    before = await session.scalar(select(func.count(Stop.id)))
    body = await graphql(client, CREATE_STOP, {"input": {
        "destinationId": to_global_id("Destination", 1), "title": [{"lang": "vi", "text": "X"}]}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await session.scalar(select(func.count(Stop.id))) == before
    stats = await graphql(client, '{ scanStatistics(since: "2025-01-01", until: "2025-01-31") '
                                  "{ total } }")
    assert stats["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_staff_read_scan_statistics_and_print_sheets(
    staff_client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    guide = await make_guide_stop(session, _store(staff_client))
    await staff_client.get(f"/q/{guide.code}?lang=fr")
    today = local_day().isoformat()
    body = await graphql(staff_client, """query ($d: ID!, $day: Date!) {
        scanStatistics(since: $day, until: $day, destinationId: $d) {
          total csv rows { day code targetKind lang channel count } } }""",
                         {"d": to_global_id("Destination", guide.destination.id), "day": today})
    stats = body["data"]["scanStatistics"]
    assert stats["total"] == 1 and stats["rows"] == [{
        "day": today, "code": guide.code, "targetKind": "STOP", "lang": "fr",
        "channel": "web", "count": 1}]
    assert stats["csv"].splitlines()[1].endswith(",fr,web,1")
    sheet = await graphql(staff_client, """mutation ($d: ID!) {
        printQrSheet(destinationId: $d) { contentType labelCount urls } }""",
                          {"d": to_global_id("Destination", guide.destination.id)})
    assert sheet["data"]["printQrSheet"]["labelCount"] == 1
    pdf = await staff_client.get(sheet["data"]["printQrSheet"]["urls"][0].removeprefix(
        "http://testserver"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
