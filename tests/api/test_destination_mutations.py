"""Staff create, edit and publish destinations through GraphQL, as through the console; others
are refused with FORBIDDEN and nothing is written; on both databases."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from geo.models import Destination
from tests.accounts.helpers import add_person

CREATE = """mutation($input: CreateDestinationInput!) { createDestination(input: $input) {
  id slug status name } }"""
UPDATE = """mutation($id: ID!, $input: UpdateDestinationInput!) {
  updateDestination(id: $id, input: $input) { id name location { lat lng } } }"""
PUBLISH = """mutation($id: ID!) { setDestinationPublished(id: $id, published: true) { status } }"""
NEW = {"slug": "bao-tang-thu", "category": "museum", "provinceCode": "binh-duong",
       "location": {"lat": 11.0, "lng": 106.6},
       "name": [{"lang": "vi", "text": "Bảo tàng Thử"}, {"lang": "en", "text": "Trial Museum"}]}


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any],
              headers: dict[str, str]) -> dict[str, Any]:
    answer = await client.post("/graphql", json={"query": query, "variables": variables},
                               headers={**headers, "Accept-Language": "en"})
    body: dict[str, Any] = answer.json()
    return body


async def rows(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Destination).where(
        Destination.slug == "bao-tang-thu")) or 0)


async def test_an_editor_creates_edits_and_publishes(client: httpx.AsyncClient,
                                                     session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    created = await gql(client, CREATE, {"input": NEW}, editor.headers)
    assert "errors" not in created, created
    assert created["data"]["createDestination"]["status"] == "DRAFT"
    assert created["data"]["createDestination"]["name"] == "Trial Museum"
    node_id = created["data"]["createDestination"]["id"]
    updated = await gql(client, UPDATE, {"id": node_id, "input": {
        "location": {"lat": 11.01, "lng": 106.61},
        "name": [{"lang": "vi", "text": "Bảo tàng Thử"}, {"lang": "ko", "text": "시험 박물관"}]}},
        editor.headers)
    assert "errors" not in updated, updated
    assert updated["data"]["updateDestination"]["location"]["lat"] == 11.01
    name = await session.scalar(select(Destination.name).where(
        Destination.slug == "bao-tang-thu"))
    assert name == {"vi": "Bảo tàng Thử", "ko": "시험 박물관"}
    published = await gql(client, PUBLISH, {"id": node_id}, editor.headers)
    assert published["data"]["setDestinationPublished"]["status"] == "PUBLISHED"


async def test_owners_and_bad_input_are_refused_and_write_nothing(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await add_person(session, "owner")
    refused = await gql(client, CREATE, {"input": NEW}, owner.headers)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    editor = await add_person(session, "editor")
    bad = await gql(client, CREATE, {"input": {**NEW, "location": {"lat": 95, "lng": 0}}},
                    editor.headers)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_COORDINATES"
    unknown = await gql(client, PUBLISH, {"id": "RGVzdGluYXRpb246OTk5OTk5"}, editor.headers)
    assert unknown["errors"][0]["extensions"]["code"] == "DESTINATION_NOT_FOUND"
    assert await rows(session) == 0
