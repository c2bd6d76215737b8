"""The sign-in throttle counts per client address and e-mail, so an attacker elsewhere cannot
lock the owner out; a ceiling per e-mail that refills over a day stops many addresses from
guessing on."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from accounts.service import create_account
from api.app import create_app
from api.auth.middleware import ACCOUNT_CEILING
from api.settings import LimitSettings, Settings
from tests.accounts.helpers import PASSWORD, codes, gql
from tests.accounts.test_tokens import LOGIN

EMAIL = "chu.nha.hang@example.vn"
PER_ADDRESS = 3


@pytest.fixture
def app(settings: Settings, sessions: async_sessionmaker[AsyncSession],
        connection: AsyncConnection) -> ASGIApp:
    limited = settings.model_copy(update={"limits": LimitSettings(
        login_failures_per_15_min=PER_ADDRESS)})
    return create_app(limited, engine=connection.engine, sessions=sessions)


def from_address(app: ASGIApp) -> Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]:
    def client(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)),
                                 base_url="http://testserver")
    return client


async def attempts(client: httpx.AsyncClient, password: str, count: int) -> list[list[str]]:
    return [codes(await gql(client, LOGIN, {"e": EMAIL, "p": password})) for _ in range(count)]


@pytest.fixture
async def owner_account(session: AsyncSession) -> None:
    """The restaurant's owner, whose e-mail the attackers guess at."""
    await create_account(session=session, email=EMAIL, password=PASSWORD, role="owner",
                         display_name="Nhà hàng")
    await session.commit()


@pytest.mark.usefixtures("owner_account")
async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app: ASGIApp) -> None:
    client = from_address(app)
    async with client("198.51.100.7") as attacker:
        tried = await attempts(attacker, "đoán-mật-khẩu-sai", PER_ADDRESS + 2)
    assert tried == [["INVALID_CREDENTIALS"]] * PER_ADDRESS + [["LOGIN_THROTTLED"]] * 2
    async with client("203.0.113.5") as owner:  # the owner, at the hotel's own address
        assert codes(await gql(owner, LOGIN, {"e": EMAIL, "p": PASSWORD})) == []


@pytest.mark.usefixtures("owner_account")
async def test_many_addresses_meet_the_ceiling_of_the_e_mail(app: ASGIApp) -> None:
    client = from_address(app)
    for i in range(ACCOUNT_CEILING):  # each address spends its own allowance
        async with client(f"198.51.100.{i + 10}") as attacker:
            assert await attempts(attacker, "đoán-mật-khẩu-sai", PER_ADDRESS) == [
                ["INVALID_CREDENTIALS"]] * PER_ADDRESS
    async with client("203.0.113.5") as owner:  # the e-mail's day is spent, from anywhere
        assert codes(await gql(owner, LOGIN, {"e": EMAIL, "p": PASSWORD})) == [
            "LOGIN_THROTTLED"]
