"""An owner proposes a listing change in the console; an editor compares it field by field and
approves or rejects it; the owner is told by e-mail (a real SMTP server) and sees the answer;
the public listing changes only on approval; owner A never reaches owner B's listing; on both
databases."""

from __future__ import annotations

import base64
import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.listings.models import ListingChange
from geo.models import Destination
from tests.accounts.helpers import HOTEL_A, HOTEL_B, add_person, destination_id
from tests.console.conftest import Inbox
from tests.console.test_destinations_forms import csrf_of, sign_in

LISTING = """query($id: ID!) { listing(id: $id) { destination { description { text } } } }"""


async def propose(client: httpx.AsyncClient, listing: int, **changes: str) -> httpx.Response:
    form = await client.get(f"/console/listings/{listing}")
    assert form.status_code == 200, form.text
    fields = {name: value for tag, name, value in re.findall(
        r'(<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*>)', form.text)
        if 'type="checkbox"' not in tag or " checked" in tag}
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>',
                             form.text))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>',
                                    form.text, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    fields.update(changes)
    return await client.post(f"/console/listings/{listing}", data=fields)


async def pending(session: AsyncSession, listing: int) -> list[ListingChange]:
    return list((await session.execute(select(ListingChange).where(
        ListingChange.destination_id == listing, ListingChange.status == "pending"))).scalars())


async def test_an_approved_change_is_published_and_the_owner_is_told(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    hotel = await destination_id(session, HOTEL_A)
    await session.execute(Destination.__table__.update().where(Destination.id == hotel).values(
        description={"vi": "Khách sạn cũ.", "en": "The old hotel.", "ko": "오래된 호텔."}))
    await session.commit()
    owner = await add_person(session, "owner", owns=(hotel,))
    editor = await add_person(session, "editor")
    await sign_in(mail_client, owner.email)
    sent = await propose(mail_client, hotel, description_vi="Khách sạn mới sửa.",
                         description_en="The newly renovated hotel.", phone="+84 274 3822 555")
    assert sent.status_code == 303, sent.text
    assert "stale=ko" in sent.headers["location"]
    flagged = await mail_client.get(sent.headers["location"])
    assert "ko" in flagged.text and 'class="stale"' in flagged.text
    (change,) = await pending(session, hotel)
    assert set(change.fields) == {"description", "contact"}
    mail_client.cookies.clear()
    await sign_in(mail_client, editor.email)
    queue = await mail_client.get("/console/review")
    assert f"/console/review/{change.id}" in queue.text
    detail = await mail_client.get(f"/console/review/{change.id}")
    assert "The old hotel." in detail.text and "The newly renovated hotel." in detail.text
    assert "+84 274 3822 555" in detail.text and 'class="stale"' in detail.text
    # the contact's parts named in the console's language, not by their keys
    assert "<dt>phone</dt>" not in detail.text and "<dt>Điện thoại</dt>" in detail.text
    decided = await mail_client.post(f"/console/review/{change.id}/decide", data={
        "csrf": csrf_of(detail.text), "decision": "approve"})
    assert decided.status_code == 303
    (mail,) = [m for m in smtp[1].messages if m["To"] == owner.email]
    assert "/console/listings" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    listing_id = base64.b64encode(f"Destination:{hotel}".encode()).decode()
    public = (await mail_client.post("/graphql", json={
        "query": LISTING, "variables": {"id": listing_id}},
        headers={"Accept-Language": "en"})).json()
    assert public["data"]["listing"]["destination"]["description"]["text"] == (
        "The newly renovated hotel."), public
    mail_client.cookies.clear()
    await sign_in(mail_client, owner.email)
    mine = await mail_client.get("/console/listings")
    assert "status approved" in mine.text


async def test_a_rejection_needs_a_reason_and_changes_nothing(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    editor = await add_person(session, "editor")
    await sign_in(mail_client, owner.email)
    assert (await propose(mail_client, hotel, phone="+84 274 3999 999")).status_code == 303
    (change,) = await pending(session, hotel)
    change_id = change.id
    mail_client.cookies.clear()
    await sign_in(mail_client, editor.email)
    detail = await mail_client.get(f"/console/review/{change_id}")
    silent = await mail_client.post(f"/console/review/{change_id}/decide", data={
        "csrf": csrf_of(detail.text), "decision": "reject", "reason": ""})
    assert silent.status_code == 400 and 'role="alert"' in silent.text
    session.expire_all()
    assert len(await pending(session, hotel)) == 1 and smtp[1].messages == []
    said = await mail_client.post(f"/console/review/{change_id}/decide", data={
        "csrf": csrf_of(detail.text), "decision": "reject",
        "reason": "Số điện thoại không liên lạc được."})
    assert said.status_code == 303
    (mail,) = smtp[1].messages
    assert "Số điện thoại không liên lạc được." in mail.get_body(  # type: ignore[union-attr]
        ("plain",)).get_content()


async def test_owner_a_cannot_reach_owner_bs_listing(
        mail_client: httpx.AsyncClient, session: AsyncSession) -> None:
    hotel_a = await destination_id(session, HOTEL_A)
    hotel_b = await destination_id(session, HOTEL_B)
    owner_a = await add_person(session, "owner", owns=(hotel_a,))
    await sign_in(mail_client, owner_a.email)
    assert (await mail_client.get(f"/console/listings/{hotel_b}")).status_code == 403
    page = await mail_client.get(f"/console/listings/{hotel_a}")
    forged = await mail_client.post(f"/console/listings/{hotel_b}", data={
        "csrf": csrf_of(page.text), "version": "1", "phone": "+84 909 000 000"})
    assert forged.status_code == 403
    assert await session.scalar(select(func.count()).select_from(ListingChange).where(
        ListingChange.destination_id == hotel_b)) == 0
    assert (await mail_client.get("/console/review")).status_code == 403
    mine = await mail_client.get("/console/listings")
    assert f"/console/listings/{hotel_a}" in mine.text
    assert f"/console/listings/{hotel_b}" not in mine.text


async def test_a_bad_field_is_refused_on_the_form_and_writes_nothing(
        mail_client: httpx.AsyncClient, session: AsyncSession) -> None:
    hotel = await destination_id(session, HOTEL_A)
    owner = await add_person(session, "owner", owns=(hotel,))
    await sign_in(mail_client, owner.email)
    refused = await propose(mail_client, hotel, hours_mon="8h-17h", website="not a url")
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert await pending(session, hotel) == []
