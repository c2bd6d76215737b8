"""People to act as in tests: accounts made directly (one argon2 hash for all), signed in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts.models import Account, AuthSession
from accounts.permissions import Actor, Role
from accounts.tokens import TokenSigner
from core.base import Base
from core.time import utcnow
from geo.listings.models import DestinationOwner
from geo.models import Destination
from tests.conftest import TEST_SECRET

PASSWORD = "đúng-ngựa-pin-kẹp-giấy"
HOTEL_A = "becamex-hotel-new-city"
HOTEL_B = "the-mira-hotel"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def signer() -> TokenSigner:
    return TokenSigner(TEST_SECRET, access_ttl_s=900)


@dataclass
class Person:
    account_id: int
    email: str
    token: str
    session_id: str
    actor: Actor

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def destination_id(session: AsyncSession, slug: str) -> int:
    found = await session.scalar(select(Destination.id).where(Destination.slug == slug))
    assert found is not None, slug
    return int(found)


async def add_person(session: AsyncSession, role: str, *, owns: tuple[int, ...] = (),
                     email: str | None = None) -> Person:
    """An account with a sign-in session and a valid access token (committed)."""
    email = email or f"{role}-{secrets.token_hex(4)}@example.vn"
    account = Account(email=email, display_name=email, role=role,
                      password_hash=password_hash(), active=True)
    session.add(account)
    await session.flush()
    session.add_all(DestinationOwner(destination_id=d, account_id=account.id, verified=True)
                    for d in owns)
    sid = secrets.token_hex(16)
    session.add(AuthSession(id=sid, account_id=account.id, created_at=utcnow()))
    await session.commit()
    token = signer().issue(account_id=account.id, session_id=sid, role=role, now=utcnow())
    return Person(account_id=account.id, email=email, token=token, session_id=sid,
                  actor=Actor(role=Role(role), account_id=account.id,
                              destination_ids=frozenset(owns)))


@dataclass
class Cast:
    """Two owners of two hotels, an editor and an admin."""

    owner_a: Person
    owner_b: Person
    editor: Person
    admin: Person
    hotel_a: int
    hotel_b: int


async def cast(session: AsyncSession) -> Cast:
    hotel_a = await destination_id(session, HOTEL_A)
    hotel_b = await destination_id(session, HOTEL_B)
    return Cast(owner_a=await add_person(session, "owner", owns=(hotel_a,)),
                owner_b=await add_person(session, "owner", owns=(hotel_b,)),
                editor=await add_person(session, "editor"),
                admin=await add_person(session, "admin"),
                hotel_a=hotel_a, hotel_b=hotel_b)


DIGESTED = ("destination", "listing_change", "listing_version", "auth_session", "api_key",
            "refresh_token", "destination_owner", "listing_photo", "account", "opening_period")


async def snapshot(connection: AsyncConnection, store: Any = None) -> dict[str, Any]:
    """Row counts of every table of the service, the full rows of the tables a refused
    request could touch, and the media store's keys (not the rate buckets: they record that
    someone called, which every request does, refused or not)."""
    import api.schema  # noqa: F401  (every area's models registered)

    result: dict[str, Any] = {}
    for name in sorted(set(Base.metadata.tables) - {"rate_bucket"}):
        result[name] = (await connection.execute(text(f"SELECT count(*) FROM {name}"))
                        ).scalar_one()
    for name in DIGESTED:
        table = Base.metadata.tables[name]
        columns = [c for c in table.columns if c.name not in ("location",)]
        rows = (await connection.execute(select(*columns).order_by(*table.primary_key.columns))
                ).all()
        result[f"{name}:rows"] = [tuple(map(repr, r)) for r in rows]
    if store is not None:
        result["store"] = store.list_keys("")
    return result


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
              person: Person | None = None, headers: dict[str, str] | None = None
              ) -> dict[str, Any]:
    """POSTs an operation as a person (or anonymously) and gives the JSON answer."""
    sent = dict(headers or {})
    if person is not None:
        sent.update(person.headers)
    response = await client.post("/graphql", json={"query": query,
                                                   "variables": variables or {}},
                                 headers=sent)
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
