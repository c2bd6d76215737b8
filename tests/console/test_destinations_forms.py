"""The console's sign-in and destination forms, as a browser without JavaScript posts them,
on both databases: cookies, CSRF, refusals that write nothing, and the public API seeing
what an editor published."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.listings.models import AuditEvent
from geo.models import Destination
from tests.accounts.helpers import PASSWORD, add_person


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD
                  ) -> httpx.Response:
    form = await client.get("/console/sign-in")
    return await client.post("/console/sign-in", data={
        "csrf": csrf_of(form.text), "email": email, "password": password,
        "next": "/console/destinations"})


def new_destination(**overrides: str) -> dict[str, str]:
    fields = {"slug": "den-thu-nghiem", "category": "temple", "province_code": "binh-duong",
              "lat": "11.05", "lng": "106.66", "name_vi": "Đền Thử Nghiệm",
              "name_en": "Test Temple", "description_vi": "Một ngôi đền để thử.",
              "description_en": "A temple to try things on."}
    fields.update(overrides)
    return fields


async def count(session: AsyncSession, slug: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(Destination).where(
        Destination.slug == slug)) or 0)


async def test_sign_in_sets_a_private_cookie_and_sign_out_ends_it(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    assert (await client.get("/console/destinations")).status_code == 303
    answer = await sign_in(client, editor.email)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/destinations"
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("tourism_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    listing = await client.get("/console/destinations")
    assert listing.status_code == 200 and "Chùa Bà Thiên Hậu" in listing.text
    # categories in the console's language (Vietnamese here), not as their values
    assert "<td>Chùa</td>" in listing.text and "<td>pagoda</td>" not in listing.text
    assert '<option value="museum">Bảo tàng</option>' in listing.text
    assert "script-src 'self'" in listing.headers["content-security-policy"]
    out = await client.post("/console/sign-out", data={"csrf": csrf_of(listing.text)})
    assert out.status_code == 303
    assert (await client.get("/console/destinations")).status_code == 303  # signed out


async def test_wrong_password_and_forged_cookie_are_refused(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    answer = await sign_in(client, editor.email, "not-the-password")
    assert answer.status_code == 401 and "tourism_console=" not in answer.headers.get(
        "set-cookie", "")
    client.cookies.set("tourism_console", "0" * 32 + ".forged", path="/console")
    assert (await client.get("/console/destinations")).status_code == 303


async def test_an_editor_creates_and_publishes_a_destination_found_by_search(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    form = await client.get("/console/destinations/new")
    created = await client.post("/console/destinations/new",
                                data={"csrf": csrf_of(form.text), **new_destination()})
    assert created.status_code == 303, created.text
    edit_url = created.headers["location"].split("?")[0]
    page = await client.get(edit_url)
    assert "Đền Thử Nghiệm" in page.text and "A temple to try things on." in page.text
    assert "Missing translations" in page.text or "Còn thiếu bản dịch" in page.text
    query = '{ searchDestinations(text: "thu nghiem") { edges { node { slug } } } }'
    search = (await client.post("/graphql", json={"query": query})).json()
    assert search["data"]["searchDestinations"]["edges"] == []  # a draft is not public
    published = await client.post(f"{edit_url}/publish",
                                  data={"csrf": csrf_of(page.text), "published": "1"})
    assert published.status_code == 303
    search = (await client.post("/graphql", json={"query": query})).json()
    assert [e["node"]["slug"] for e in search["data"]["searchDestinations"]["edges"]] == [
        "den-thu-nghiem"]
    actions = list((await session.execute(select(AuditEvent.action).where(
        AuditEvent.action.like("destination.%")).order_by(AuditEvent.id))).scalars())
    assert actions[-2:] == ["destination.created", "destination.published"]


async def test_an_edit_changes_the_texts_and_a_bad_edit_writes_nothing(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    form = await client.get("/console/destinations/new")
    created = await client.post("/console/destinations/new",
                                data={"csrf": csrf_of(form.text), **new_destination()})
    edit_url = created.headers["location"].split("?")[0]
    page = await client.get(edit_url)
    fields = {**new_destination(name_ko="시험 사원"), "csrf": csrf_of(page.text)}
    fields.pop("slug")
    assert (await client.post(edit_url, data=fields)).status_code == 303
    name = await session.scalar(select(Destination.name).where(
        Destination.slug == "den-thu-nghiem"))
    assert name == {"vi": "Đền Thử Nghiệm", "en": "Test Temple", "ko": "시험 사원"}
    refused = await client.post(edit_url, data={**fields, "lat": "123.4"})
    assert refused.status_code == 400 and "location" in refused.text
    session.expire_all()
    row = (await session.execute(select(Destination.lat, Destination.name).where(
        Destination.slug == "den-thu-nghiem"))).one()
    assert row.lat == 11.05 and row.name["ko"] == "시험 사원"


async def test_forms_without_the_csrf_token_do_nothing(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    refused = await client.post("/console/destinations/new", data=new_destination())
    assert refused.status_code == 403
    forged = await client.post("/console/destinations/new",
                               data={**new_destination(), "csrf": "0" * 64})
    assert forged.status_code == 403
    assert await count(session, "den-thu-nghiem") == 0


async def test_a_refused_creation_writes_nothing(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    form = await client.get("/console/destinations/new")
    before = await session.scalar(select(func.count()).select_from(AuditEvent))
    refused = await client.post("/console/destinations/new", data={
        "csrf": csrf_of(form.text), **new_destination(name_vi="", name_en="")})
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert await count(session, "den-thu-nghiem") == 0
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == before


async def test_owners_cannot_open_the_destinations_section(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await add_person(session, "owner")
    await sign_in(client, owner.email)
    assert (await client.get("/console/destinations")).status_code == 403
    assert (await client.get("/console/destinations/1")).status_code == 403


async def test_a_translation_older_than_its_source_is_marked_stale(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    await sign_in(client, editor.email)
    form = await client.get("/console/destinations/new")
    created = await client.post("/console/destinations/new", data={
        "csrf": csrf_of(form.text), **new_destination(name_ko="시험 사원")})
    edit_url = created.headers["location"].split("?")[0]
    page = await client.get(edit_url)
    assert 'class="stale"' not in page.text
    fields = {**new_destination(name_ko="시험 사원", name_vi="Đền Thử Nghiệm Mới",
                                translation_ko="machine"), "csrf": csrf_of(page.text)}
    fields.pop("slug")
    assert (await client.post(edit_url, data=fields)).status_code == 303
    page = await client.get(edit_url)
    stale = re.findall(r'<h2 id="h-(\w+)">\w+ · <span class="stale">', page.text)
    assert stale == ["en", "ko"]  # vi changed; en and ko stayed as they were
    assert re.search(r'name="translation_ko">\s*<option value="">—</option>\s*'
                     r'(<option[^>]*>[^<]*</option>\s*)*<option value="machine" selected',
                     page.text)
    fields.update(name_ko="새 시험 사원", name_en="New Test Temple", csrf=csrf_of(page.text))
    assert (await client.post(edit_url, data=fields)).status_code == 303
    page = await client.get(edit_url)
    assert 'class="stale"' not in page.text
