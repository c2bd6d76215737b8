"""Sign in, refresh with rotation, reuse detection, sign out, tampered tokens, API keys."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts.models import AuthSession
from accounts.service import create_account, create_api_key
from accounts.tokens import TokenSigner
from core.time import utcnow
from tests.accounts.helpers import PASSWORD, add_person, codes, gql, signer, snapshot
from tests.conftest import TEST_SECRET

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  accessToken refreshToken } }"""
REFRESH = """mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken
  account { email } } }"""
LOGOUT = "mutation { logout }"
ME = "{ me { email role } }"


async def signed_in(client: httpx.AsyncClient, session: AsyncSession) -> dict[str, str]:
    await create_account(session=session, email="editor@so-vhttdl.gov.vn", password=PASSWORD,
                         role="editor", display_name="Biên tập viên")
    await session.commit()
    body = await gql(client, LOGIN, {"e": "editor@so-vhttdl.gov.vn", "p": PASSWORD})
    tokens: dict[str, str] = body["data"]["login"]
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_then_me(client: httpx.AsyncClient, session: AsyncSession) -> None:
    tokens = await signed_in(client, session)
    me = await gql(client, ME, headers=bearer(tokens["accessToken"]))
    assert me["data"]["me"] == {"email": "editor@so-vhttdl.gov.vn", "role": "EDITOR"}
    assert (await gql(client, ME))["data"]["me"] is None


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
) -> None:
    await signed_in(client, session)
    before = await snapshot(connection)
    wrong = await gql(client, LOGIN, {"e": "editor@so-vhttdl.gov.vn", "p": "not the password"})
    unknown = await gql(client, LOGIN, {"e": "nobody@example.vn", "p": PASSWORD})
    assert codes(wrong) == codes(unknown) == ["INVALID_CREDENTIALS"]
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert await snapshot(connection) == before


async def test_repeated_failures_are_throttled(client: httpx.AsyncClient,
                                               session: AsyncSession) -> None:
    await signed_in(client, session)
    answers = [codes(await gql(client, LOGIN, {"e": "editor@so-vhttdl.gov.vn", "p": "wrong-1"}))
               for _ in range(11)]
    assert answers[:10] == [["INVALID_CREDENTIALS"]] * 10
    assert answers[10] == ["LOGIN_THROTTLED"]
    # the right password is throttled too while the bucket is empty
    right = await gql(client, LOGIN, {"e": "editor@so-vhttdl.gov.vn", "p": PASSWORD})
    assert codes(right) == ["LOGIN_THROTTLED"]


async def test_refresh_rotates_and_reuse_revokes_the_whole_sign_in(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection,
) -> None:
    first = await signed_in(client, session)
    second = (await gql(client, REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert (await gql(client, ME, headers=bearer(second["accessToken"])))["data"]["me"]

    # a stolen copy of the first refresh token is replayed
    replay = await gql(client, REFRESH, {"t": first["refreshToken"]})
    assert codes(replay) == ["TOKEN_REUSED"]
    revoked = (await connection.execute(select(AuthSession.revoked_reason))).scalars().all()
    assert "reuse" in revoked

    # every token of that sign-in is dead now, the newest included
    assert codes(await gql(client, REFRESH, {"t": second["refreshToken"]})) == ["TOKEN_REVOKED"]
    response = await client.post("/graphql", json={"query": ME},
                                 headers=bearer(second["accessToken"]))
    assert response.status_code == 401
    assert codes(response.json()) == ["TOKEN_REVOKED"]


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient,
                                                 session: AsyncSession) -> None:
    tokens = await signed_in(client, session)
    out = await gql(client, LOGOUT, headers=bearer(tokens["accessToken"]))
    assert out["data"]["logout"] is True
    response = await client.post("/graphql", json={"query": ME},
                                 headers=bearer(tokens["accessToken"]))
    assert (response.status_code, codes(response.json())) == (401, ["TOKEN_REVOKED"])
    assert codes(await gql(client, REFRESH, {"t": tokens["refreshToken"]})) == ["TOKEN_REVOKED"]


async def test_expired_and_forged_access_tokens(client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
    person = await add_person(session, "editor")
    expired = signer().issue(account_id=person.account_id, session_id=person.session_id,
                             role="editor", now=utcnow() - timedelta(hours=1))
    other_key = TokenSigner(TEST_SECRET + "x", access_ttl_s=900).issue(
        account_id=person.account_id, session_id=person.session_id, role="admin", now=utcnow())
    claims = jwt.decode(person.token, options={"verify_signature": False})
    unsigned = jwt.encode({**claims, "role": "admin"}, key="", algorithm="none")
    for token, code in [(expired, "TOKEN_EXPIRED"), (other_key, "INVALID_TOKEN"),
                        (unsigned, "INVALID_TOKEN"), ("abc.def.ghi", "INVALID_TOKEN")]:
        response = await client.post("/graphql", json={"query": ME}, headers=bearer(token))
        assert response.status_code == 401, token
        assert codes(response.json()) == [code]
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_api_keys_are_read_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _, key = await create_api_key(session=session, actor=None, name="Kiosk Bảo tàng Bình Dương")
    await session.commit()
    kiosk = {"X-Api-Key": key}
    read = await gql(client, "{ destinations(first: 1) { edges { node { id } } } }",
                     headers=kiosk)
    assert len(read["data"]["destinations"]["edges"]) == 1
    write = await gql(client, 'mutation { approveListingChange(id: "TGlzdGluZ0NoYW5nZTox") '
                      '{ id } }', headers=kiosk)
    assert codes(write) == ["UNAUTHENTICATED"]
    bad = await client.post("/graphql", json={"query": ME}, headers={"X-Api-Key": key + "x"})
    assert (bad.status_code, codes(bad.json())) == (401, ["INVALID_API_KEY"])


async def test_only_admins_create_api_keys(client: httpx.AsyncClient,
                                           session: AsyncSession) -> None:
    editor, admin = await add_person(session, "editor"), await add_person(session, "admin")
    query = 'mutation { createApiKey(name: "Kiosk") { key } }'
    assert codes(await gql(client, query, person=editor)) == ["FORBIDDEN"]
    created = await gql(client, query, person=admin)
    assert created["data"]["createApiKey"]["key"].startswith("tk_")
