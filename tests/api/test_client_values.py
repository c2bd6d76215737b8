"""Values as clients read them: every datetime ISO 8601 with its offset, camelCase keys in
every JSON value, and a cover photo on each destination whose stated sizes are the images'
real sizes; a page of covers costs a pinned number of statements."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.types.common import to_global_id
from geo.models import Destination
from media.models import Panorama
from tests.accounts.helpers import HOTEL_A, Person, add_person, destination_id, gql
from tests.conftest import StatementCounter
from tests.geo.listings.images import phone_photo
from tours.models import Scene, Tour

START_UPLOAD = """mutation($listing: ID!) {
  startListingPhotoUpload(listingId: $listing, contentType: "image/jpeg") {
    photoId upload { url fields { name value } } } }"""
CONFIRM = """mutation($photo: ID!) { confirmListingPhoto(photoId: $photo) { id } }"""
PROPOSE = """mutation($id: ID!, $input: ListingChangeInput!) {
  proposeListingChange(listingId: $id, baseVersion: 1, input: $input) { id } }"""
APPROVE = """mutation($id: ID!) { approveListingChange(id: $id) { id } }"""
HISTORY = """query($id: ID!) { listing(id: $id) { content
  changes { edges { node { createdAt decidedAt fields } } }
  versions { createdAt content } auditTrail { at detail } } }"""
COVER = """query($id: ID!) { destination(id: $id) { coverPhoto {
  source url width height sizes { name width height url webpUrl } } } }"""
PAGE = """query($first: Int!) { destinations(first: $first) { edges { node { id
  coverPhoto { url width height sizes { name width height url } } } } } }"""


async def _upload(client: httpx.AsyncClient, owner: Person, listing: str, photo: bytes) -> str:
    form = (await gql(client, START_UPLOAD, {"listing": listing}, person=owner)
            )["data"]["startListingPhotoUpload"]
    posted = await client.post(form["upload"]["url"],
                               data={f["name"]: f["value"] for f in form["upload"]["fields"]},
                               files={"file": ("photo.jpg", photo, "image/jpeg")})
    assert posted.status_code == 204, posted.text
    confirmed = await gql(client, CONFIRM, {"photo": form["photoId"]}, person=owner)
    assert "errors" not in confirmed, confirmed
    photo_id: str = form["photoId"]
    return photo_id


async def _listing_with_photos(client: httpx.AsyncClient, session: AsyncSession
                               ) -> tuple[str, Person]:
    """HOTEL_A with two approved photos, a portrait one (1333×2000 upright) first, and an
    approved change of its prices and closures."""
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    editor = await add_person(session, "editor")
    listing = to_global_id("Destination", hotel)
    portrait = await _upload(client, owner, listing, phone_photo(2000, 1333))
    landscape = await _upload(client, owner, listing, phone_photo(600, 900))
    change = {"photoIds": [portrait, landscape],
              "prices": [{"label": [{"lang": "vi", "text": "Phòng đôi"}], "amountVnd": 900_000}],
              "specialClosures": [{"date": "2026-02-16", "until": "2026-02-18"}],
              "openingHours": {"alwaysOpen": True}}
    proposed = await gql(client, PROPOSE, {"id": listing, "input": change}, person=owner)
    assert "errors" not in proposed, proposed
    approved = await gql(client, APPROVE, {"id": proposed["data"]["proposeListingChange"]["id"]},
                         person=editor)
    assert "errors" not in approved, approved
    return listing, owner


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_datetimes_carry_their_offset_and_json_keys_are_camel_case(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    # given a listing changed through the review flow a moment ago
    started = datetime.now(UTC)
    listing, owner = await _listing_with_photos(client, session)
    # when its owner reads its history
    body = await gql(client, HISTORY, {"id": listing}, person=owner)
    assert "errors" not in body, body
    history = body["data"]["listing"]
    change = history["changes"]["edges"][0]["node"]
    moments = [change["createdAt"], change["decidedAt"],
               *(v["createdAt"] for v in history["versions"]),
               *(e["at"] for e in history["auditTrail"])]
    # then each moment is ISO 8601 with an offset, and is the moment it happened
    for text in moments:
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() is not None, text
        assert started - timedelta(minutes=5) < moment < datetime.now(UTC) + timedelta(
            seconds=5), text
    # and every key of every JSON value is camelCase, as the fields of the API are
    blobs = [history["content"], change["fields"],
             *(v["content"] for v in history["versions"]),
             *(e["detail"] for e in history["auditTrail"])]
    keys = set().union(*(_keys(b) for b in blobs))
    assert not {k for k in keys if "_" in k}, keys
    assert {"specialClosures", "openingHours", "amountVnd", "alwaysOpen", "baseVersion",
            "photoId"} <= keys


async def test_a_listing_photo_is_the_cover_with_its_real_sizes(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    # given a listing whose first photo is a portrait one
    listing, _ = await _listing_with_photos(client, session)
    # when the destination is read with its cover
    body = await gql(client, COVER, {"id": listing})
    cover = body["data"]["destination"]["coverPhoto"]
    # then the cover is that photo, smallest size first, and each size is what it says
    assert cover["source"] == "LISTING_PHOTO"
    assert [s["name"] for s in cover["sizes"]] == ["thumbnail", "medium", "large"]
    for size in cover["sizes"]:
        for url in (size["url"], size["webpUrl"]):
            image = Image.open(io.BytesIO((await client.get(url)).content))
            assert image.size == (size["width"], size["height"]), (size["name"], url)
    largest = cover["sizes"][-1]
    assert (cover["url"], cover["width"], cover["height"]) == (
        largest["url"], largest["width"], largest["height"])
    assert cover["height"] > cover["width"]  # the portrait one, upright
    assert max(cover["sizes"][0]["width"], cover["sizes"][0]["height"]) == 320


async def test_without_photos_the_cover_is_the_tour_preview(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    # given a destination with no photo and a published tour of one ready 4096×2048 scene
    destination = (await session.execute(
        select(Destination).where(Destination.slug == "den-do"))).scalar_one()
    panorama = Panorama(sha256="cd" * 32, source_format="jpeg", source_bytes=10, width=4096,
                        height=2048, face_size=1296, tile_size=512, levels=3,
                        fallback_size=1024, tile_count=60, byte_size=100, level_bytes={},
                        fallback_bytes=10, status="ready")
    session.add(panorama)
    await session.flush()
    tour = Tour(destination_id=destination.id, slug="den-do-cover", title={"vi": "Đền Đô"},
                description={}, status="published")
    session.add(tour)
    await session.flush()
    session.add(Scene(tour_id=tour.id, panorama_id=panorama.id, position=1,
                      title={"vi": "Sân đền"}))
    await session.commit()
    # when it is read with its cover
    body = await gql(client, COVER, {"id": to_global_id("Destination", destination.id)})
    cover = body["data"]["destination"]["coverPhoto"]
    # then the cover is the scene's equirectangular preview (2:1; thumb 320 wide, preview 1024)
    assert cover["source"] == "PANORAMA"
    assert [(s["name"], s["width"], s["height"]) for s in cover["sizes"]] == [
        ("thumb", 320, 160), ("preview", 1024, 512)]
    assert cover["sizes"][0]["url"].endswith("/thumb.jpg")
    assert cover["url"].endswith("/preview.jpg") and cover["sizes"][1]["webpUrl"] is None


async def test_a_page_of_covers_costs_the_same_statements_whatever_its_size(
        client: httpx.AsyncClient, session: AsyncSession,
        count_statements: StatementCounter) -> None:
    await _listing_with_photos(client, session)
    count_statements.statements.clear()
    small = await gql(client, PAGE, {"first": 5})
    few = count_statements.count
    count_statements.statements.clear()
    large = await gql(client, PAGE, {"first": 100})  # every demo destination
    assert "errors" not in small and "errors" not in large
    covers = [e["node"]["coverPhoto"] for e in large["data"]["destinations"]["edges"]]
    assert sum(c is not None for c in covers) == 1
    assert count_statements.count == few
    # the page, the listings' photos, then tours, scenes and panoramas of those without one
    queries = [s for s in count_statements.statements
               if not s.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert len(queries) <= 4, queries
