"""Deciding a listing change is atomic: of two approvals and a withdrawal sent at once to a
live server, exactly one wins, the others are told LISTING_CHANGE_NOT_PENDING, and the audit
trail and the versions say one thing happened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import NullPool

from api import migrations
from api.app import create_app
from api.db import make_async_engine
from api.types.common import to_global_id
from geo.listings.models import AuditEvent, ListingChange, ListingVersion
from tests.accounts.helpers import HOTEL_A, Person, add_person, destination_id
from tests.api.test_hardening import settings_for
from tests.conftest import _seed
from tests.live import own_database, serving

ROUNDS = 20
PROPOSE = """mutation($id: ID!, $base: Int!, $text: String!) {
  proposeListingChange(listingId: $id, baseVersion: $base,
                       input: {description: [{lang: "en", text: $text}]}) { id } }"""
VERSION = """query($id: ID!) { listing(id: $id) { version } }"""
APPROVE = """mutation($id: ID!) { approveListingChange(id: $id) { id status } }"""
WITHDRAW = """mutation($id: ID!) { withdrawListingChange(id: $id) { id status } }"""


@pytest.fixture(params=["sqlite", "postgis"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the live server commits), migrated and seeded."""
    with own_database(request, request.param, "review_race", tmp_path) as url:
        migrations.upgrade(url)
        asyncio.run(_seed(url))
        yield url


@pytest.fixture
async def engine(race_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_async_engine(race_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


async def gql(client: httpx.AsyncClient, person: Person, query: str,
              variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_one_decision_wins_each_race(race_url: str, engine: AsyncEngine,
                                           tmp_path: Path) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        hotel = await destination_id(session, HOTEL_A)
        owner = await add_person(session, "owner", owns=(hotel,))
        editors = [await add_person(session, "editor") for _ in range(2)]
    listing = to_global_id("Destination", hotel)
    settings = settings_for(tmp_path, database_url=race_url, client_per_minute=100_000,
                            client_burst=100_000, account_per_minute=100_000,
                            account_burst=100_000)
    winners: dict[str, int] = {"approve": 0, "withdraw": 0}
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            for round_ in range(ROUNDS):
                version = (await gql(client, owner, VERSION, {"id": listing}))[
                    "data"]["listing"]["version"]
                proposed = await gql(client, owner, PROPOSE, {
                    "id": listing, "base": version, "text": f"Round {round_}"})
                assert not proposed.get("errors"), proposed
                change = proposed["data"]["proposeListingChange"]["id"]
                # when two editors approve and the owner withdraws, all at once
                answers = await asyncio.gather(
                    gql(client, editors[0], APPROVE, {"id": change}),
                    gql(client, editors[1], APPROVE, {"id": change}),
                    gql(client, owner, WITHDRAW, {"id": change}))
                # then exactly one succeeds and the others are told it is decided
                won = [i for i, a in enumerate(answers) if not a.get("errors")]
                assert len(won) == 1, answers
                lost = [error_codes(a) for i, a in enumerate(answers) if i not in won]
                assert lost == [["LISTING_CHANGE_NOT_PENDING"]] * 2, answers
                winner = "withdraw" if won == [2] else "approve"
                winners[winner] += 1
                await check_one_thing_happened(engine, int(change_id(change)), winner)
    assert sum(winners.values()) == ROUNDS


def change_id(global_id: str) -> int:
    from api.types.common import int_key

    return int_key(global_id, "ListingChange")


async def check_one_thing_happened(engine: AsyncEngine, change: int, winner: str) -> None:
    """The stored change, its versions and its audit trail agree with the one winner."""
    async with AsyncSession(engine) as session:
        stored = await session.get(ListingChange, change)
        assert stored is not None
        assert stored.status == {"approve": "approved", "withdraw": "withdrawn"}[winner]
        versions = await session.scalar(select(func.count()).select_from(ListingVersion).where(
            ListingVersion.change_id == change))
        assert versions == (1 if winner == "approve" else 0)
        actions = list((await session.execute(select(AuditEvent.action).where(
            AuditEvent.change_id == change, AuditEvent.action != "change.proposed"))).scalars())
        assert actions == [{"approve": "change.approved", "withdraw": "change.withdrawn"}[winner]]
