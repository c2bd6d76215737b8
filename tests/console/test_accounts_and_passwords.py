"""Admins invite, disable and re-role accounts and revoke API keys in the console; people reset
and change their passwords with links sent by e-mail to a real SMTP server; refusals write
nothing; on both databases."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import Account, ApiKey, AuthSession, PasswordLink
from accounts.service import create_api_key
from tests.accounts.helpers import PASSWORD, add_person
from tests.console.conftest import Inbox
from tests.console.test_destinations_forms import csrf_of, sign_in

NEW_PASSWORD = "mây-trắng-bay-về-núi-Bà-Đen"


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def active_sessions(session: AsyncSession, account_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))) or 0)


async def test_a_reset_link_sets_a_new_password_once(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    _port, inbox = smtp
    editor = await add_person(session, "editor")
    form = await mail_client.get("/console/password/forgot")
    sent = await mail_client.post("/console/password/forgot", data={
        "csrf": csrf_of(form.text), "email": editor.email.upper()})
    assert sent.status_code == 200
    nobody = await mail_client.post("/console/password/forgot", data={
        "csrf": csrf_of(form.text), "email": "nobody@example.vn"})
    assert nobody.text == sent.text  # the page tells nobody which e-mails have accounts
    links = inbox.links(editor.email)
    assert len(links) == 1 and [m["To"] for m in inbox.messages] == [editor.email]
    page = await mail_client.get(path_of(links[0]))
    assert page.status_code == 200 and editor.email in page.text
    token = path_of(links[0]).split("token=")[1]
    weak = await mail_client.post("/console/password/set", data={
        "csrf": csrf_of(page.text), "token": token, "password": "password1234"})
    assert weak.status_code == 400
    assert await session.scalar(select(func.count()).select_from(PasswordLink).where(
        PasswordLink.used_at.is_not(None), PasswordLink.account_id == editor.account_id)) == 0
    done = await mail_client.post("/console/password/set", data={
        "csrf": csrf_of(page.text), "token": token, "password": NEW_PASSWORD})
    assert done.status_code == 303
    assert await active_sessions(session, editor.account_id) == 0  # old sign-ins end
    again = await mail_client.post("/console/password/set", data={
        "csrf": csrf_of(page.text), "token": token, "password": NEW_PASSWORD + "!"})
    assert again.status_code == 400 and "INVALID_PASSWORD_LINK" not in again.text
    assert (await sign_in(mail_client, editor.email, PASSWORD)).status_code == 401
    assert (await sign_in(mail_client, editor.email, NEW_PASSWORD)).status_code == 303


async def test_an_admin_invites_someone_who_sets_a_password_and_signs_in(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    _port, inbox = smtp
    chief = await add_person(session, "admin")
    await sign_in(mail_client, chief.email)
    page = await mail_client.get("/console/accounts")
    assert page.status_code == 200 and chief.email in page.text
    invited = await mail_client.post("/console/accounts/invite", data={
        "csrf": csrf_of(page.text), "email": "Nhan.Vien@SoVHTTDL.example.vn",
        "name": "Nhân viên mới", "role": "editor"})
    assert invited.status_code == 303
    (link,) = inbox.links("nhan.vien@sovhttdl.example.vn")
    mail_client.cookies.clear()
    form = await mail_client.get(path_of(link))
    token = path_of(link).split("token=")[1]
    done = await mail_client.post("/console/password/set", data={
        "csrf": csrf_of(form.text), "token": token, "password": NEW_PASSWORD})
    assert done.status_code == 303
    signed = await sign_in(mail_client, "nhan.vien@sovhttdl.example.vn", NEW_PASSWORD)
    assert signed.status_code == 303
    assert (await mail_client.get("/console/destinations")).status_code == 200


async def test_an_admin_disables_an_account_and_revokes_a_key(
        mail_client: httpx.AsyncClient, session: AsyncSession) -> None:
    chief = await add_person(session, "admin")
    owner = await add_person(session, "owner")
    key, _secret = await create_api_key(session=session, actor=None, name="Kiosk cổng chính")
    key_id = key.id
    await session.commit()
    await sign_in(mail_client, chief.email)
    page = await mail_client.get("/console/accounts")
    assert "Kiosk cổng chính" in page.text
    disabled = await mail_client.post(f"/console/accounts/{owner.account_id}", data={
        "csrf": csrf_of(page.text), "active": "0"})
    assert disabled.status_code == 303
    session.expire_all()
    assert (await session.get(Account, owner.account_id)).active is False  # type: ignore[union-attr]
    assert await active_sessions(session, owner.account_id) == 0
    revoked = await mail_client.post(f"/console/api-keys/{key_id}/revoke", data={
        "csrf": csrf_of(page.text)})
    assert revoked.status_code == 303
    assert (await session.get(ApiKey, key_id)).revoked_at is not None  # type: ignore[union-attr]
    audit = await mail_client.get("/console/audit")
    assert "account.disabled" in audit.text and "api_key.revoked" in audit.text
    myself = await mail_client.post(f"/console/accounts/{chief.account_id}", data={
        "csrf": csrf_of(page.text), "role": "owner"})
    assert myself.status_code == 400
    session.expire_all()
    assert (await session.get(Account, chief.account_id)).role == "admin"  # type: ignore[union-attr]


async def test_editors_cannot_open_accounts_and_a_bad_invite_writes_nothing(
        mail_client: httpx.AsyncClient, session: AsyncSession,
        smtp: tuple[int, Inbox]) -> None:
    editor = await add_person(session, "editor")
    await sign_in(mail_client, editor.email)
    assert (await mail_client.get("/console/accounts")).status_code == 403
    page = await mail_client.get("/console/destinations")
    assert (await mail_client.post("/console/accounts/invite", data={
        "csrf": csrf_of(page.text), "email": "x@example.vn", "role": "admin"})
            ).status_code == 403
    chief = await add_person(session, "admin")
    mail_client.cookies.clear()
    await sign_in(mail_client, chief.email)
    page = await mail_client.get("/console/accounts")
    before = await session.scalar(select(func.count()).select_from(Account))
    bad = await mail_client.post("/console/accounts/invite", data={
        "csrf": csrf_of(page.text), "email": "not-an-email", "role": "editor"})
    assert bad.status_code == 400
    assert await session.scalar(select(func.count()).select_from(Account)) == before
    assert smtp[1].messages == []


async def test_changing_ones_password_ends_the_other_sign_ins(
        mail_client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")  # holds a sign-in session of its own
    await sign_in(mail_client, editor.email)
    page = await mail_client.get("/console/password")
    wrong = await mail_client.post("/console/password", data={
        "csrf": csrf_of(page.text), "current": "wrong-password-123", "password": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert await active_sessions(session, editor.account_id) == 2
    done = await mail_client.post("/console/password", data={
        "csrf": csrf_of(page.text), "current": PASSWORD, "password": NEW_PASSWORD})
    assert done.status_code == 303
    assert await active_sessions(session, editor.account_id) == 1  # this browser's only
    assert (await mail_client.get("/console/password?done=1")).status_code == 200
