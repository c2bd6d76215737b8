"""The whole path over HTTP: an owner signs in, uploads a photo, proposes a change, sees it
pending; staff approve; the public listing shows it."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from geo.listings.owners import create_account
from tests.accounts.helpers import HOTEL_A, PASSWORD, add_person, codes, destination_id, gql
from tests.geo.listings.images import GPS_IFD, phone_photo

LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken tokenType expiresIn
    account { email role } } }"""
START_UPLOAD = """mutation($listing: ID!, $type: String!) {
  startListingPhotoUpload(listingId: $listing, contentType: $type) {
    photoId upload { url maxBytes fields { name value } } } }"""
CONFIRM = """mutation($photo: ID!) { confirmListingPhoto(photoId: $photo) {
  id width height thumbnail { jpeg webp } large { jpeg webp } } }"""
LISTING = """query($id: ID!) { listing(id: $id, lang: "vi") { id version
  destination { description { text lang } contact { phone } prices { amountVnd } }
  photos { id width height medium { jpeg webp } }
  specialClosures { date until reason { text } } } }"""
PROPOSE = """mutation($id: ID!, $base: Int!, $input: ListingChangeInput!) {
  proposeListingChange(listingId: $id, baseVersion: $base, input: $input) {
    id status baseVersion } }"""
MY_CHANGES = """query($id: ID!) { listing(id: $id) { changes { edges { node {
  id status fields reason } } } } }"""
APPROVE = """mutation($id: ID!) { approveListingChange(id: $id) { id status resultVersion } }"""
HISTORY = """query($id: ID!) { listing(id: $id) { versions { version }
  auditTrail { action actorId } } }"""


async def fetch(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url)
    assert response.status_code == 200, url
    return response.content


async def test_owner_proposes_a_change_with_a_photo_and_staff_approve_it(
    client: httpx.AsyncClient, session: AsyncSession,
) -> None:
    # given an owner account for a demo hotel, and an editor
    hotel = await destination_id(session, HOTEL_A)
    await create_account(session=session, email="Chu.Khach.San@example.vn", password=PASSWORD,
                         role="owner", display_name="Chủ khách sạn", destination_ids=[hotel])
    await session.commit()
    editor = await add_person(session, "editor")
    listing_id = to_global_id("Destination", hotel)

    # when the owner signs in (the e-mail in another case)
    signed = await gql(client, LOGIN, {"email": "chu.khach.san@example.vn",
                                       "password": PASSWORD})
    tokens = signed["data"]["login"]
    assert tokens["tokenType"] == "Bearer" and tokens["account"]["role"] == "OWNER"
    owner = {"Authorization": f"Bearer {tokens['accessToken']}"}

    # and uploads a phone photo through the presigned form, then confirms it
    form = (await gql(client, START_UPLOAD, {"listing": listing_id, "type": "image/jpeg"},
                      headers=owner))["data"]["startListingPhotoUpload"]
    posted = form["upload"]
    upload = await client.post(posted["url"],
                               data={f["name"]: f["value"] for f in posted["fields"]},
                               files={"file": ("photo.jpg", phone_photo(), "image/jpeg")})
    assert upload.status_code == 204, upload.text
    confirmed = (await gql(client, CONFIRM, {"photo": form["photoId"]}, headers=owner))
    photo = confirmed["data"]["confirmListingPhoto"]
    assert (photo["width"], photo["height"]) == (800, 1200)  # turned upright

    # then each size is a real image, upright, without any EXIF left
    large = Image.open(io.BytesIO(await fetch(client, photo["large"]["jpeg"])))
    assert large.format == "JPEG" and large.size == (800, 1200)
    assert not large.getexif() and GPS_IFD not in large.getexif()
    assert large.convert("RGB").getpixel((780, 20))[0] > 200  # the red corner is top-right
    thumb = Image.open(io.BytesIO(await fetch(client, photo["thumbnail"]["webp"])))
    assert thumb.format == "WEBP" and max(thumb.size) == 320
    assert b"Test Phone" not in await fetch(client, photo["thumbnail"]["jpeg"])

    # when the owner reads the listing and proposes a change based on its version
    before = (await gql(client, LISTING, {"id": listing_id}))["data"]["listing"]
    change_input: dict[str, Any] = {
        "description": [{"lang": "vi", "text": "Khách sạn đã nâng cấp hồ bơi và nhà hàng."}],
        "contact": {"phone": "+84 274 222 2222", "email": "datphong@example.vn"},
        "prices": [{"label": [{"lang": "vi", "text": "Phòng đôi"}], "amountVnd": 1_350_000}],
        "specialClosures": [{"date": "2026-02-16", "until": "2026-02-18",
                             "reason": [{"lang": "vi", "text": "Nghỉ Tết"}]}],
        "photoIds": [form["photoId"]],
    }
    proposed = await gql(client, PROPOSE, {"id": listing_id, "base": before["version"],
                                           "input": change_input}, headers=owner)
    change = proposed["data"]["proposeListingChange"]
    assert change["status"] == "PENDING"

    # then the owner sees it pending, and the public listing has not changed
    mine = await gql(client, MY_CHANGES, {"id": listing_id}, headers=owner)
    nodes = [e["node"] for e in mine["data"]["listing"]["changes"]["edges"]]
    assert [(n["id"], n["status"]) for n in nodes] == [(change["id"], "PENDING")]
    public = (await gql(client, LISTING, {"id": listing_id}))["data"]["listing"]
    assert public == before and public["photos"] == []

    # and the owner cannot approve their own change
    refused = await gql(client, APPROVE, {"id": change["id"]}, headers=owner)
    assert codes(refused) == ["FORBIDDEN"]

    # when an editor approves it
    approved = await gql(client, APPROVE, {"id": change["id"]}, person=editor)
    assert approved["data"]["approveListingChange"] == {
        "id": change["id"], "status": "APPROVED", "resultVersion": before["version"] + 1}

    # then the public sees the new listing
    after = (await gql(client, LISTING, {"id": listing_id}))["data"]["listing"]
    assert after["version"] == before["version"] + 1
    assert after["destination"]["description"] == {
        "text": "Khách sạn đã nâng cấp hồ bơi và nhà hàng.", "lang": "vi"}
    assert after["destination"]["contact"]["phone"] == "+84 274 222 2222"
    assert after["destination"]["prices"] == [{"amountVnd": 1_350_000}]
    assert after["specialClosures"] == [{"date": "2026-02-16", "until": "2026-02-18",
                                         "reason": {"text": "Nghỉ Tết"}}]
    assert [p["id"] for p in after["photos"]] == [form["photoId"]]
    medium = Image.open(io.BytesIO(await fetch(client, after["photos"][0]["medium"]["webp"])))
    assert medium.size == (683, 1024)

    # and every version is kept, with who did what
    history = (await gql(client, HISTORY, {"id": listing_id}, headers=owner))["data"]["listing"]
    assert [v["version"] for v in history["versions"]] == [1, 2]
    actions = [e["action"] for e in history["auditTrail"]]
    assert actions == ["photo.upload_started", "photo.confirmed", "change.proposed",
                       "change.approved"]
    assert history["auditTrail"][-1]["actorId"] == to_global_id("Account", editor.account_id)
