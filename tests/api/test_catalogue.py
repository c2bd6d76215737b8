"""The catalogue of hostile and broken requests across the whole API: every row is a request,
the error code it must get, and a check that nothing was written (row counts of every table,
the rows a refusal could touch, and the media store's keys). README.md lists the same rows."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts.models import Account
from accounts.service import logout
from api.settings import Settings
from api.types.common import to_global_id
from core.time import utcnow
from geo.listings import photos
from geo.listings import service as listings
from media.store import LocalStore, MediaStore, make_store
from qr.demo import demo_file
from tests.accounts.helpers import Cast, add_person, cast, codes, signer, snapshot
from tests.api.test_bad_input import CASES
from tests.api.test_cost import COSTLY
from tests.conftest import ROOT
from tests.geo.listings.images import not_an_image, png_bomb, truncated_jpeg
from tests.media.test_audio import HTML
from tests.media.test_photo_variants import memory_bomb
from tours import narrations, stops

PROPOSE = ("mutation($id: ID!, $base: Int!, $in: ListingChangeInput!) { proposeListingChange("
           "listingId: $id, baseVersion: $base, input: $in) { id } }")
CONFIRM = "mutation($id: ID!) { confirmListingPhoto(photoId: $id) { id } }"
CONFIRM_NARRATION = ("mutation($stop: ID!, $key: String!, $vtt: String!) { confirmNarrationUpload("
                     'stopId: $stop, lang: "ko", key: $key, transcript: $vtt) { lang } }')
NARRATION = {"stop": "{stop}", "key": "{upload_key}",
             "vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nXin chào.\n"}
ME = "{ me { email } }"
# A stop's QR codes point back at the stop: a cycle a client can nest forever.
DEEP = ('{ qrCode(code: "ABC123") { ' + "stop { qrCodes { " * 10 + "code" + " } }" * 10
        + " } }")
ALIASES = "{ " + " ".join(f"a{i}: destinations(first: 1) {{ pageInfo {{ hasNextPage }} }}"
                          for i in range(40)) + " }"
FRAGMENT_BOMB = ("query { destinations(first: 1) { edges { node { ...F0 } } } } " + " ".join(
    f"fragment F{i} on Destination {{ ...F{i + 1} ...F{i + 1} }}" for i in range(24))
    + " fragment F24 on Destination { a: slug }")
TOKEN_FLOOD = "{ destinations(first: 1) { edges { node { " + "slug " * 4500 + "} } } }"
NOW = utcnow()


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test's own "now": uploads made with it expire 10 minutes later, and a long run
    reaches a module's tests long after it was imported."""
    global NOW
    NOW = utcnow()


@dataclass
class Given:
    """What a row's request may refer to."""

    cast: Cast
    store: MediaStore
    session: AsyncSession
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Row:
    name: str
    code: str
    query: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    who: str = "anonymous"
    raw: bytes | None = None
    content_type: str = "application/json"
    method: str = "POST"
    status: int | None = None
    headers: Callable[[Given], dict[str, str]] | None = None
    setup: Callable[[Given], Awaitable[None]] | None = None
    #: The refusal deletes the staged upload's object (and writes nothing else).
    deletes_upload: bool = False
    #: Where the request goes (GraphQL unless told); outside GraphQL the answer is {"code"}.
    path: str = "/graphql"
    #: The body and headers of a request outside GraphQL (a multipart upload).
    form: Callable[[Given], tuple[bytes, dict[str, str]]] | None = None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tampered(given: Given) -> dict[str, str]:
    head, body, sig = given.cast.owner_a.token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(body))
    claims["sub"] = str(given.cast.owner_b.account_id)
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return bearer(f"{head}.{forged}.{sig}")


def expired(given: Given) -> dict[str, str]:
    person = given.cast.editor
    return bearer(signer().issue(account_id=person.account_id, session_id=person.session_id,
                                 role="editor", now=NOW - timedelta(hours=2)))


def unsigned(given: Given) -> dict[str, str]:
    claims = jwt.decode(given.cast.owner_a.token, options={"verify_signature": False})
    return bearer(jwt.encode({**claims, "role": "admin"}, key="", algorithm="none"))


async def revoke_editor(given: Given) -> None:
    await logout(session=given.session, session_id=given.cast.editor.session_id, now=NOW)
    await given.session.commit()


async def pending_change_of_a(given: Given) -> None:
    await listings.propose_change(session=given.session, actor=given.cast.owner_a.actor,
                                  destination_id=given.cast.hotel_a, base_version=1,
                                  fields={"description": {"vi": "Bản đầu"}}, now=NOW)
    await given.session.commit()


def staged(data: bytes | None, content_type: str = "image/jpeg"
           ) -> Callable[[Given], Awaitable[None]]:
    async def setup(given: Given) -> None:
        upload = await photos.start_upload(session=given.session, store=given.store,
                                           actor=given.cast.owner_a.actor,
                                           destination_id=given.cast.hotel_a,
                                           content_type=content_type, now=NOW)
        await given.session.commit()
        if data is not None:
            given.store.put(upload.photo.upload_key, data, content_type)
            given.ids["upload_key"] = upload.photo.upload_key
        given.ids["photo"] = to_global_id("ListingPhoto", upload.photo.id)
    return setup


def staged_narration(data: bytes, content_type: str = "audio/ogg"
                     ) -> Callable[[Given], Awaitable[None]]:
    async def setup(given: Given) -> None:
        editor = given.cast.editor.actor
        stop = await stops.create_stop(session=given.session, actor=editor, data=stops.NewStop(
            destination_id=given.cast.hotel_a, title={"vi": "Sảnh"}))
        post = await narrations.request_narration_upload(
            session=given.session, store=given.store, actor=editor, stop_id=stop.id,
            lang="ko", content_type=content_type)
        await given.session.commit()
        given.store.put(post.key, data, content_type)
        given.ids.update(stop=to_global_id("Stop", stop.id), upload_key=post.key)
    return setup


def upload_form(*, forged: bool = False, max_bytes: int = 10**6, declared: int | None = None
                ) -> Callable[[Given], tuple[bytes, dict[str, str]]]:
    """The start of an endless presigned upload to the local store (its fields and 64 KiB of
    its file, no end), its signature forged or its declared length over the policy's."""
    def form(given: Given) -> tuple[bytes, dict[str, str]]:
        post = given.store.presigned_post("uploads/catalogue/upload.jpg",
                                          content_type="image/jpeg", max_bytes=max_bytes)
        fields = dict(post.fields, signature="0" * 64) if forged else post.fields
        request = httpx.Request("POST", post.url, data=fields,
                                files={"file": ("a.jpg", b"\xff" * 65536, "image/jpeg")})
        body = request.read()
        boundary = request.headers["content-type"].split("boundary=")[1]
        headers = {"content-type": request.headers["content-type"]}
        if declared is not None:
            headers["content-length"] = str(declared)
        return body[:body.rindex(f"--{boundary}".encode())], headers
    return form


async def link_out_of_the_root(given: Given) -> None:
    assert isinstance(given.store, LocalStore)
    outside = given.store.root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("TOURISM_SECRET_KEY=hunter2")
    (given.store.root / "uploads").mkdir(parents=True, exist_ok=True)
    (given.store.root / "uploads" / "escape").symlink_to(outside)


def _ogg() -> bytes:
    return demo_file("chua-ba-thien-hau-2.vi.ogg")


A = {"id": "{listing_a}", "base": 1}
DESCRIBED = {"description": [{"lang": "vi", "text": "Mô tả mới"}]}

ROWS: list[Row] = [Row(f"foundation: {name}", code, query, variables)
                   for name, query, variables, code in CASES] + [
    # -- tokens and keys
    Row("tampered access token", "INVALID_TOKEN", ME, headers=tampered, status=401),
    Row("expired access token", "TOKEN_EXPIRED", ME, headers=expired, status=401),
    Row("revoked access token (signed out)", "TOKEN_REVOKED", ME, setup=revoke_editor,
        headers=lambda g: g.cast.editor.headers, status=401),
    Row("unsigned token (alg none)", "INVALID_TOKEN", ME, headers=unsigned, status=401),
    Row("not a bearer credential", "INVALID_TOKEN", ME,
        headers=lambda g: {"Authorization": "Basic YWRtaW46YWRtaW4="}, status=401),
    Row("unknown API key", "INVALID_API_KEY", ME,
        headers=lambda g: {"X-Api-Key": "tk_000000000000_forged"}, status=401),
    Row("garbage refresh token", "INVALID_TOKEN",
        'mutation { refreshToken(refreshToken: "AAAAAAAAAAAAAAAAAAAAAAAAAAAA") { accessToken } }'),
    Row("wrong password", "INVALID_CREDENTIALS",
        'mutation { login(email: "admin@example.vn", password: "123456") { accessToken } }'),
    Row("kiosk key calling a mutation", "UNAUTHENTICATED", PROPOSE,
        {**A, "in": DESCRIBED}, headers=lambda g: {"X-Api-Key": g.ids["api_key"]}),
    # -- listings
    Row("anonymous listing edit", "UNAUTHENTICATED", PROPOSE, {**A, "in": DESCRIBED}),
    Row("cross-owner listing edit", "FORBIDDEN", PROPOSE,
        {"id": "{listing_b}", "base": 1, "in": DESCRIBED}, who="owner_a"),
    Row("owner setting the status", "BAD_USER_INPUT", PROPOSE,
        {**A, "in": {"status": "published"}}, who="owner_a"),
    Row("edit of a stale version", "LISTING_VERSION_CONFLICT", PROPOSE,
        {"id": "{listing_a}", "base": 7, "in": DESCRIBED}, who="owner_a"),
    Row("second edit of the same version", "LISTING_VERSION_CONFLICT", PROPOSE,
        {**A, "in": DESCRIBED}, who="owner_a", setup=pending_change_of_a),
    Row("rejection without a reason", "REASON_REQUIRED",
        'mutation { rejectListingChange(id: "TGlzdGluZ0NoYW5nZToxMjM0NQ", reason: " ") '
        "{ id } }", who="editor"),
    Row("approval of an unknown change", "LISTING_CHANGE_NOT_FOUND",
        'mutation { approveListingChange(id: "TGlzdGluZ0NoYW5nZTo5OTk5OQ") { id } }',
        who="editor"),
    Row("phone number with a script", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"contact": {"phone": "<script>alert(1)</script>"}}}, who="owner_a"),
    Row("opening hour 25:00", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"openingHours": {"periods": [{"weekday": 1, "opens": "08:00",
                                                   "closes": "25:00"}]}}}, who="owner_a"),
    Row("weekday 8", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"openingHours": {"periods": [{"weekday": 8, "opens": "08:00",
                                                   "closes": "17:00"}]}}}, who="owner_a"),
    Row("closure ending before it starts", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"specialClosures": [{"date": "2026-02-18", "until": "2026-02-16"}]}},
        who="owner_a"),
    Row("negative price", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"prices": [{"label": [{"lang": "vi", "text": "Vé"}],
                                 "amountVnd": -1}]}}, who="owner_a"),
    Row("language tag that is a path", "INVALID_LISTING_CHANGE", PROPOSE,
        {**A, "in": {"description": [{"lang": "../../etc", "text": "x"}]}}, who="owner_a"),
    Row("listing id of another type", "INVALID_ID", PROPOSE,
        {"id": "VG91cjox", "base": 1, "in": DESCRIBED}, who="owner_a"),
    Row("forged cursor of listing changes", "INVALID_CURSOR",
        '{ listingChanges(after: "AAAAAAAAAAAAAAAAeyJrIjoxfQ") { edges { node { id } } } }',
        who="owner_a"),
    # -- photos
    Row("photo of a forbidden type (SVG)", "PHOTO_TYPE_NOT_ALLOWED",
        'mutation($id: ID!) { startListingPhotoUpload(listingId: $id, '
        'contentType: "image/svg+xml") { upload { url } } }', {"id": "{listing_a}"},
        who="owner_a"),
    Row("decompression bomb", "PHOTO_TOO_MANY_PIXELS", CONFIRM, {"id": "{photo}"},
        who="owner_a", setup=staged(png_bomb(), "image/png"), deletes_upload=True),
    Row("script posing as a JPEG", "PHOTO_INVALID", CONFIRM, {"id": "{photo}"},
        who="owner_a", setup=staged(not_an_image()), deletes_upload=True),
    Row("truncated JPEG", "PHOTO_INVALID", CONFIRM, {"id": "{photo}"}, who="owner_a",
        setup=staged(truncated_jpeg()), deletes_upload=True),
    Row("PNG declared as JPEG", "PHOTO_INVALID", CONFIRM, {"id": "{photo}"}, who="owner_a",
        setup=staged(png_bomb(64)), deletes_upload=True),
    Row("confirm before uploading", "PHOTO_NOT_UPLOADED", CONFIRM, {"id": "{photo}"},
        who="owner_a", setup=staged(None)),
    Row("confirm another owner's photo", "FORBIDDEN", CONFIRM, {"id": "{photo}"},
        who="owner_b", setup=staged(not_an_image())),
    Row("photo over the decoding memory budget", "PHOTO_TOO_MANY_PIXELS", CONFIRM,
        {"id": "{photo}"}, who="owner_a", setup=staged(memory_bomb(), "image/png"),
        deletes_upload=True),
    # -- uploads and media outside GraphQL
    Row("upload with a forged policy signature", "UPLOAD_POLICY_VIOLATED", status=403,
        path="/media-upload", form=upload_form(forged=True)),
    Row("upload longer than its policy allows", "UPLOAD_TOO_LARGE", status=403,
        path="/media-upload", form=upload_form(max_bytes=1000, declared=5 * 1024 * 1024)),
    Row("media path through a symlink out of the root", "MEDIA_NOT_FOUND", method="GET",
        status=404, path="/media/uploads/escape/secret.txt", setup=link_out_of_the_root),
    Row("Ogg narration cut in half", "AUDIO_CORRUPT", CONFIRM_NARRATION, NARRATION,
        who="editor", setup=staged_narration(_ogg()[: len(_ogg()) // 2]), deletes_upload=True),
    Row("Ogg narration with HTML appended", "AUDIO_CORRUPT", CONFIRM_NARRATION, NARRATION,
        who="editor", setup=staged_narration(_ogg() + HTML), deletes_upload=True),
    # -- the shape and size of requests
    Row("over-deep query", "QUERY_TOO_DEEP", DEEP),
    Row("alias flood", "TOO_MANY_ALIASES", ALIASES),
    Row("alias flood hidden in fragments", "TOO_MANY_ALIASES", FRAGMENT_BOMB),
    Row("token flood", "QUERY_TOO_LARGE", TOKEN_FLOOD),
    Row("oversized body", "PAYLOAD_TOO_LARGE",
        raw=b'{"query": "' + b" " * 300_000 + b'{ me { email } }"}', status=413),
    Row("text/plain body", "UNSUPPORTED_MEDIA_TYPE", raw=b'{"query": "{ me { email } }"}',
        content_type="text/plain", status=415),
    Row("form-encoded body", "UNSUPPORTED_MEDIA_TYPE", raw=b"query=%7B+me+%7B+email+%7D+%7D",
        content_type="application/x-www-form-urlencoded", status=415),
    Row("batch of operations", "BATCHING_DISABLED",
        raw=json.dumps([{"query": ME}] * 20).encode(), status=400),
    Row("malformed JSON", "INVALID_JSON", raw=b'{"query": "{ me ', status=400),
    Row("over-long GET query string", "URI_TOO_LONG", method="GET",
        raw=b"query=" + b"%20" * 6000 + b"%7Bme%7Bemail%7D%7D", status=414),
    # -- the other areas' staff mutations
    Row("anonymous QR code creation", "UNAUTHENTICATED",
        'mutation($id: ID!) { createQrCode(target: {kind: DESTINATION, id: $id}) { code } }',
        {"id": "{listing_a}"}),
    Row("owner creating a QR code", "FORBIDDEN",
        'mutation($id: ID!) { createQrCode(target: {kind: DESTINATION, id: $id}) { code } }',
        {"id": "{listing_a}"}, who="owner_a"),
    Row("owner creating a tour", "FORBIDDEN",
        'mutation($id: ID!) { createTour(destinationId: $id, slug: "tour-gia", '
        'title: [{lang: "vi", text: "Giả"}]) { id } }', {"id": "{listing_a}"}, who="owner_a"),
    Row("anonymous panorama upload", "UNAUTHENTICATED",
        'mutation { requestPanoramaUpload(contentType: "image/jpeg") { key } }'),
    # -- cost
    Row("query over the cost budget (30 pages of 100 with stops)", "QUERY_TOO_COSTLY", COSTLY),
    # -- narration formats
    Row("Ogg narration declared as MP3", "AUDIO_TYPE_MISMATCH", CONFIRM_NARRATION, NARRATION,
        who="editor", setup=staged_narration(_ogg(), "audio/mpeg"), deletes_upload=True),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def readme_catalogue() -> list[tuple[int, str, str, str, int]]:
    """The rows of README.md's table of hostile requests: number, request, who, code, HTTP."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### The catalogue of hostile requests", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            rows.append((int(cells[0]), cells[1], cells[2], cells[3].strip("`"), int(cells[4])))
    return rows


def _who(row: Row) -> str:
    return "credential in the row" if row.headers is not None else row.who.replace("_", " ")


def test_the_catalogue_has_at_least_forty_rows() -> None:
    """The rows sent are those README.md lists, in its order, and there are at least forty."""
    listed = readme_catalogue()
    assert [n for n, *_ in listed] == list(range(1, len(listed) + 1))
    assert [(name, who, code, status) for _, name, who, code, status in listed] == [
        (r.name, _who(r), r.code, r.status or 200) for r in ROWS]
    assert len(listed) >= 40
    assert len({r.name for r in ROWS}) == len(ROWS)


@pytest.fixture
def store(settings: Settings) -> MediaStore:
    return make_store(settings.media.url, public_base_url=settings.server.public_base_url,
                      secret_key=settings.auth.secret_key)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_hostile_request_gets_its_code_and_writes_nothing(
    client: httpx.AsyncClient, connection: AsyncConnection, session: AsyncSession,
    store: MediaStore, row: Row, tmp_path: Path,
) -> None:
    from accounts.service import create_api_key

    people = await cast(session)
    _, key = await create_api_key(session=session, actor=None, name="kiosk")
    await session.commit()
    given = Given(cast=people, store=store, session=session, ids={
        "listing_a": to_global_id("Destination", people.hotel_a),
        "listing_b": to_global_id("Destination", people.hotel_b), "api_key": key})
    if row.setup is not None:
        await row.setup(given)
    headers = {"content-type": row.content_type}
    if row.who != "anonymous":
        headers.update(getattr(people, row.who).headers)
    if row.headers is not None:
        headers.update(row.headers(given))
    before = await snapshot(connection, store)

    if row.path != "/graphql":
        if row.form is not None:
            body, form_headers = row.form(given)
            response = await client.post(row.path, content=body, headers=form_headers)
        else:
            response = await client.request(row.method, row.path)
    elif row.method == "GET":
        response = await client.get("/graphql?" + (row.raw or b"").decode(), headers=headers)
    else:
        body = row.raw if row.raw is not None else json.dumps(
            {"query": row.query, "variables": fill(row.variables, given.ids)}).encode()
        response = await client.post("/graphql", content=body, headers=headers)

    assert response.status_code < 500, response.text
    if row.status is not None:
        assert response.status_code == row.status
    answer = response.json()
    assert (codes(answer) if "code" not in answer else [answer["code"]]) == [row.code], answer
    assert not any((answer.get("data") or {}).values()), answer
    assert "Traceback" not in response.text
    if row.deletes_upload:
        assert given.ids["upload_key"] in before["store"]
        before["store"] = [k for k in before["store"] if k != given.ids["upload_key"]]
    assert await snapshot(connection, store) == before


@pytest.mark.parametrize("turn", ["first", "second"])
async def test_a_second_person_adds_nothing(connection: AsyncConnection, session: AsyncSession,
                                            turn: str) -> None:
    """The cast used by every row is made fresh per test (rolled back after each): each turn
    starts without any account, the first turn's included, and a person adds exactly their
    account and sign-in session."""
    before = await snapshot(connection)
    assert before["account"] == before["auth_session"] == before["destination_owner"] == 0
    person = await add_person(session, "owner")
    after = await snapshot(connection)
    grown = {name for name in before if after[name] != before[name]}
    assert grown == {"account", "auth_session", "account:rows", "auth_session:rows"}
    assert (after["account"], after["auth_session"]) == (1, 1)
    stored = await session.get(Account, person.account_id)
    assert stored is not None and (stored.email, stored.role) == (person.email, "owner")


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8"])
async def test_a_media_type_in_another_case_is_no_hostile_request(
        client: httpx.AsyncClient, content_type: str) -> None:
    """Media types are case-insensitive (RFC 9110): the operation runs as with
    application/json."""
    response = await client.post("/graphql", content=json.dumps({"query": "{ __typename }"}),
                                 headers={"content-type": content_type})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
