"""Photos in the console as a browser without JavaScript posts them, on both databases: an
owner uploads a photo (the one upload flow: confirmed, resized), proposes it as the cover,
an editor sees it in the review and approves, and the public cover changes; refused files
(not an image, too many pixels, a lying type, a type not accepted) show a readable message
and write nothing, in the database or the store; owner A never uploads to owner B's listing;
staff set a destination's hours, closures and cover on its form."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.types.common import to_global_id
from geo.listings.models import AuditEvent, ListingChange, ListingPhoto
from geo.models import Destination
from media.store import LocalStore
from tests.accounts.helpers import HOTEL_A, HOTEL_B, add_person, destination_id, snapshot
from tests.console.conftest import Inbox
from tests.console.test_destinations_forms import csrf_of, sign_in
from tests.geo.listings.images import not_an_image, phone_photo, png_bomb

LISTING = """query($id: ID!) { listing(id: $id) {
  destination { coverPhoto { source url width height } openingHours { alwaysOpen } }
  specialClosures { date until } photos { id } } }"""


def fields_of(html: str) -> dict[str, str]:
    """What the page's forms post, as a browser without JavaScript sends them: every named
    input with a value (boxes and radios only when ticked), textareas, chosen options."""
    fields = {name: value for tag, name, value in re.findall(
        r'(<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*>)', html)
        if not re.search(r'type="(checkbox|radio)"', tag) or " checked" in tag}
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>',
                                    html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


async def upload(client: httpx.AsyncClient, page: str, data: bytes, content_type: str,
                 name: str = "anh.jpg") -> httpx.Response:
    form = await client.get(page)
    assert form.status_code == 200, form.text
    return await client.post(f"{page}/photos", data={"csrf": csrf_of(form.text)},
                             files={"file": (name, data, content_type)},
                             headers={"Accept-Language": "en"})


async def public_listing(client: httpx.AsyncClient, hotel: int) -> dict[str, object]:
    answer = (await client.post("/graphql", json={
        "query": LISTING, "variables": {"id": to_global_id("Destination", hotel)}})).json()
    assert "errors" not in answer, answer
    listing: dict[str, object] = answer["data"]["listing"]
    return listing


async def signed_in_owner(client: httpx.AsyncClient, session: AsyncSession) -> int:
    """Signs in a new owner of hotel A; gives the hotel's id."""
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    await sign_in(client, owner.email)
    return hotel


def media_of(tmp_path: Path) -> LocalStore:
    """The app's media folder (tests/conftest.py settings), to list what it holds."""
    return LocalStore(tmp_path / "media", public_base_url="http://testserver",
                      secret_key="k" * 40)


async def test_an_owner_uploads_a_photo_the_editor_approves_it_as_the_cover(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    editor = await add_person(session, "editor")
    before = await public_listing(mail_client, hotel)
    await sign_in(mail_client, owner.email)
    sent = await upload(mail_client, f"/console/listings/{hotel}", phone_photo(), "image/jpeg")
    assert sent.status_code == 303, sent.text
    photo = (await session.execute(select(ListingPhoto).where(
        ListingPhoto.destination_id == hotel))).scalar_one()
    assert photo.status == "ready" and (photo.width, photo.height) == (800, 1200)  # upright
    assert sent.headers["location"] == f"/console/listings/{hotel}?uploaded={photo.id}#photos"
    shown = await mail_client.get(sent.headers["location"])
    thumbnail = photo.variants["thumbnail"]["jpeg"]
    assert f'src="http://testserver/media/{thumbnail}"' in shown.text
    assert re.search(rf'name="photo_{photo.id}" value="1" checked', shown.text)
    assert (await mail_client.get(f"/media/{thumbnail}")).status_code == 200
    fields = fields_of(shown.text)
    assert (fields[f"photo_{photo.id}"], fields[f"order_{photo.id}"]) == ("1", "1")
    proposed = await mail_client.post(f"/console/listings/{hotel}", data=fields)
    assert proposed.status_code == 303, proposed.text
    (change,) = (await session.execute(select(ListingChange).where(
        ListingChange.destination_id == hotel, ListingChange.status == "pending"))).scalars()
    assert change.fields == {"photos": [photo.id]}
    assert (await public_listing(mail_client, hotel)) == before  # nothing public yet

    mail_client.cookies.clear()
    await sign_in(mail_client, editor.email)
    detail = await mail_client.get(f"/console/review/{change.id}")
    assert f'src="http://testserver/media/{thumbnail}"' in detail.text
    decided = await mail_client.post(f"/console/review/{change.id}/decide", data={
        "csrf": csrf_of(detail.text), "decision": "approve"})
    assert decided.status_code == 303
    after = await public_listing(mail_client, hotel)
    cover = after["destination"]["coverPhoto"]  # type: ignore[index]
    assert cover["source"] == "LISTING_PHOTO", after
    assert cover["url"].endswith(photo.variants["large"]["jpeg"])
    assert after["photos"] == [{"id": to_global_id("ListingPhoto", photo.id)}]
    (mail,) = [m for m in smtp[1].messages if m["To"] == owner.email]
    assert "/console/listings" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


@pytest.mark.parametrize(("data", "content_type", "name", "words"), [
    (not_an_image(), "image/jpeg", "anh.jpg", "cannot be read as the photo it says it is"),
    (png(), "image/jpeg", "doi-ten.jpg", "cannot be read as the photo it says it is"),
    (png_bomb(), "image/png", "bom.png", "too many pixels"),
    (b"%PDF-1.4 hello", "application/pdf", "to-khai.pdf", "not a JPEG, PNG or WebP photo"),
], ids=["not-an-image", "png-said-jpeg", "pixel-bomb", "pdf"])
async def test_a_refused_photo_says_why_and_writes_nothing(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        tmp_path: Path, data: bytes, content_type: str, name: str, words: str) -> None:
    hotel = await signed_in_owner(client, session)
    await client.get(f"/console/listings/{hotel}")
    before = await snapshot(connection, media_of(tmp_path))
    refused = await upload(client, f"/console/listings/{hotel}", data, content_type, name)
    assert refused.status_code == 400, refused.text
    alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', refused.text)
    assert alert and words in alert.group(1), refused.text
    assert await snapshot(connection, media_of(tmp_path)) == before


async def test_a_photo_over_the_limit_is_refused_before_it_is_read(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        tmp_path: Path) -> None:
    hotel = await signed_in_owner(client, session)
    before = await snapshot(connection, media_of(tmp_path))
    refused = await upload(client, f"/console/listings/{hotel}",
                           b"\xff\xd8" + b"\x00" * (15 * 1024 * 1024 + 70_000), "image/jpeg")
    assert refused.status_code == 400 and "at most 15 MB" in refused.text
    assert await snapshot(connection, media_of(tmp_path)) == before


async def test_owner_a_cannot_upload_to_owner_bs_listing(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        tmp_path: Path) -> None:
    hotel_a = await destination_id(session, HOTEL_A)
    hotel_b = await destination_id(session, HOTEL_B)
    owner_a = await add_person(session, "owner", owns=(hotel_a,))
    await sign_in(client, owner_a.email)
    own = await client.get(f"/console/listings/{hotel_a}")
    before = await snapshot(connection, media_of(tmp_path))
    forged = await client.post(f"/console/listings/{hotel_b}/photos",
                               data={"csrf": csrf_of(own.text)},
                               files={"file": ("anh.jpg", phone_photo(), "image/jpeg")})
    assert forged.status_code == 403
    staff_form = await client.post(f"/console/destinations/{hotel_b}/photos",
                                   data={"csrf": csrf_of(own.text)},
                                   files={"file": ("anh.jpg", phone_photo(), "image/jpeg")})
    assert staff_form.status_code == 403
    assert await snapshot(connection, media_of(tmp_path)) == before


async def test_an_upload_without_its_csrf_token_is_refused(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        tmp_path: Path) -> None:
    hotel = await signed_in_owner(client, session)
    before = await snapshot(connection, media_of(tmp_path))
    forged = await client.post(f"/console/listings/{hotel}/photos", data={"csrf": "x"},
                               files={"file": ("anh.jpg", phone_photo(), "image/jpeg")})
    assert forged.status_code == 403
    assert await snapshot(connection, media_of(tmp_path)) == before


async def test_staff_set_a_destinations_hours_closures_and_cover(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    hotel = await destination_id(session, HOTEL_A)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    page = f"/console/destinations/{hotel}"
    sent = await upload(client, page, phone_photo(), "image/jpeg")
    assert sent.status_code == 303, sent.text
    photo = (await session.execute(select(ListingPhoto).where(
        ListingPhoto.destination_id == hotel))).scalar_one()
    large = photo.variants["large"]["jpeg"]
    shown = await client.get(sent.headers["location"])
    assert re.search(rf'name="cover" value="{photo.id}" checked', shown.text)
    fields = fields_of(shown.text)
    assert fields.pop("always_open") == "1"  # the demo hotel is open day and night
    fields.update(hours_mon="7:00-11:30, 13:30-17:00", hours_tue="08:00-17:00",
                  closures="2027-02-16..2027-02-20 Tết Nguyên Đán\r\n2027-04-30")
    saved = await client.post(page, data=fields)
    assert saved.status_code == 303, saved.text
    session.expire_all()
    destination = await session.get(Destination, hotel)
    assert destination is not None
    assert destination.opening_hours == {"mon": [["07:00", "11:30"], ["13:30", "17:00"]],
                                         "tue": [["08:00", "17:00"]]}
    public = await public_listing(client, hotel)
    assert public["specialClosures"] == [{"date": "2027-02-16", "until": "2027-02-20"},
                                         {"date": "2027-04-30", "until": "2027-04-30"}]
    cover = public["destination"]["coverPhoto"]  # type: ignore[index]
    assert cover["url"].endswith(large)
    event = (await session.execute(select(AuditEvent).where(
        AuditEvent.destination_id == hotel, AuditEvent.action == "destination.updated")
        .order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert {"opening_hours", "special_closures", "cover_photo"} <= set(event.detail["fields"])
    again = await client.get(page)
    assert "2027-02-16..2027-02-20 Tết Nguyên Đán" in again.text
    assert 'value="07:00-11:30, 13:30-17:00"' in again.text


async def test_a_bad_closure_or_a_foreign_cover_is_refused_on_the_destination_form(
        client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
        tmp_path: Path) -> None:
    hotel_a = await destination_id(session, HOTEL_A)
    hotel_b = await destination_id(session, HOTEL_B)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    assert (await upload(client, f"/console/destinations/{hotel_b}", phone_photo(),
                         "image/jpeg")).status_code == 303
    other = (await session.execute(select(ListingPhoto).where(
        ListingPhoto.destination_id == hotel_b))).scalar_one()
    page = f"/console/destinations/{hotel_a}"
    fields = fields_of((await client.get(page)).text)
    before = await snapshot(connection, media_of(tmp_path))
    for bad in ({"closures": "2027-02-30 Tết"}, {"hours_wed": "8h-17h", "always_open": ""},
                {"cover": str(other.id)}):
        refused = await client.post(page, data={**fields, **bad})
        assert refused.status_code == 400 and 'role="alert"' in refused.text, bad
    assert await snapshot(connection, media_of(tmp_path)) == before


UPDATE = """mutation($id: ID!, $input: UpdateDestinationInput!) {
  updateDestination(id: $id, input: $input) { id } }"""


async def test_apps_set_the_closures_and_cover_through_graphql(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    hotel = await destination_id(session, HOTEL_A)
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    assert (await upload(client, f"/console/destinations/{hotel}", phone_photo(),
                         "image/jpeg")).status_code == 303
    photo = (await session.execute(select(ListingPhoto).where(
        ListingPhoto.destination_id == hotel))).scalar_one()
    large = photo.variants["large"]["jpeg"]
    refused = (await client.post("/graphql", headers=editor.headers, json={
        "query": UPDATE, "variables": {"id": to_global_id("Destination", hotel), "input": {
            "specialClosures": [{"date": "2027-02-20", "until": "2027-02-16"}]}}})).json()
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_LISTING_CHANGE", refused
    done = (await client.post("/graphql", headers=editor.headers, json={
        "query": UPDATE, "variables": {"id": to_global_id("Destination", hotel), "input": {
            "coverPhotoId": to_global_id("ListingPhoto", photo.id),
            "specialClosures": [{"date": "2027-09-02", "reason": [
                {"lang": "vi", "text": "Quốc khánh"}]}]}}})).json()
    assert "errors" not in done, done
    public = await public_listing(client, hotel)
    assert public["specialClosures"] == [{"date": "2027-09-02", "until": "2027-09-02"}]
    assert public["destination"]["coverPhoto"]["url"].endswith(large)  # type: ignore[index]
