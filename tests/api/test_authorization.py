"""Owner A can neither read nor change what belongs to owner B — directly, through node(id) or
through a nested field — and owners cannot set staff's fields. Nothing is written by a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.types.common import to_global_id
from core.time import utcnow
from geo.listings import service as listings
from geo.listings.errors import ListingError
from geo.listings.models import ListingPhoto
from tests.accounts.helpers import Cast, cast, codes, gql, snapshot

DESCRIPTION = {"description": [{"lang": "vi", "text": "Mô tả mới"}]}


@dataclass
class World:
    cast: Cast
    change_a: str
    change_b: str
    photo_b: str

    def ids(self) -> dict[str, str]:
        return {"listing_a": to_global_id("Destination", self.cast.hotel_a),
                "listing_b": to_global_id("Destination", self.cast.hotel_b),
                "change_a": self.change_a, "change_b": self.change_b, "photo_b": self.photo_b,
                "owner_a": to_global_id("Account", self.cast.owner_a.account_id)}


@pytest.fixture
async def world(session: AsyncSession) -> World:
    people = await cast(session)
    now = utcnow()
    change_a = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"description": {"vi": "Mô tả của A"}}, now=now)
    change_b = await listings.propose_change(
        session=session, actor=people.owner_b.actor, destination_id=people.hotel_b,
        base_version=1, fields={"description": {"vi": "Bí mật của B"}}, now=now)
    photo = ListingPhoto(destination_id=people.hotel_b, uploaded_by=people.owner_b.account_id,
                         status="uploading", upload_key="uploads/listing-photos/b/1",
                         content_type="image/jpeg", variants={}, created_at=now)
    session.add(photo)
    await session.commit()
    return World(cast=people, change_a=to_global_id("ListingChange", change_a.id),
                 change_b=to_global_id("ListingChange", change_b.id),
                 photo_b=to_global_id("ListingPhoto", photo.id))


# (name, operation, variables with {placeholders}, codes owner A must get)
REFUSED: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("read B's change directly", "query($id: ID!) { listingChange(id: $id) { id fields } }",
     {"id": "{change_b}"}, {"FORBIDDEN"}),
    ("read B's change through node", "query($id: ID!) { node(id: $id) { id } }",
     {"id": "{change_b}"}, {"FORBIDDEN"}),
    ("read B's changes nested in B's listing",
     "query($id: ID!) { listing(id: $id) { version changes { edges { node { fields } } } } }",
     {"id": "{listing_b}"}, {"FORBIDDEN"}),
    ("read B's versions nested in B's listing",
     "query($id: ID!) { listing(id: $id) { versions { content } } }",
     {"id": "{listing_b}"}, {"FORBIDDEN"}),
    ("read B's audit trail nested in B's listing",
     "query($id: ID!) { listing(id: $id) { auditTrail { detail } } }",
     {"id": "{listing_b}"}, {"FORBIDDEN"}),
    ("list B's changes by listing",
     "query($id: ID) { listingChanges(listingId: $id) { edges { node { id } } } }",
     {"id": "{listing_b}"}, {"FORBIDDEN"}),
    ("propose a change of B's listing",
     "mutation($id: ID!, $in: ListingChangeInput!) { proposeListingChange(listingId: $id, "
     "baseVersion: 1, input: $in) { id } }", {"id": "{listing_b}", "in": DESCRIPTION},
     {"FORBIDDEN"}),
    ("withdraw B's change", "mutation($id: ID!) { withdrawListingChange(id: $id) { id } }",
     {"id": "{change_b}"}, {"FORBIDDEN"}),
    ("approve B's change", "mutation($id: ID!) { approveListingChange(id: $id) { id } }",
     {"id": "{change_b}"}, {"FORBIDDEN"}),
    ("approve one's own change", "mutation($id: ID!) { approveListingChange(id: $id) { id } }",
     {"id": "{change_a}"}, {"FORBIDDEN"}),
    ("reject B's change",
     "mutation($id: ID!) { rejectListingChange(id: $id, reason: \"spam spam\") { id } }",
     {"id": "{change_b}"}, {"FORBIDDEN"}),
    ("start a photo upload for B's listing",
     "mutation($id: ID!) { startListingPhotoUpload(listingId: $id, "
     "contentType: \"image/jpeg\") { upload { url } } }", {"id": "{listing_b}"}, {"FORBIDDEN"}),
    ("confirm B's photo", "mutation($id: ID!) { confirmListingPhoto(photoId: $id) { id } }",
     {"id": "{photo_b}"}, {"FORBIDDEN"}),
    ("set one's own listing's status (staff field)",
     "mutation($id: ID!) { setListingStaffFields(listingId: $id, status: \"draft\") }",
     {"id": "{listing_a}"}, {"FORBIDDEN"}),
    ("set one's own ranking (staff field)",
     "mutation($id: ID!) { setListingStaffFields(listingId: $id, "
     "heritageRanking: \"national\") }", {"id": "{listing_a}"}, {"FORBIDDEN"}),
    ("make oneself owner of B's listing (staff field)",
     "mutation($id: ID!, $me: ID!) { setListingOwner(listingId: $id, accountId: $me, "
     "verified: true) }", {"id": "{listing_b}", "me": "{owner_a}"}, {"FORBIDDEN"}),
    ("status in the change input (inline)",
     "mutation($id: ID!) { proposeListingChange(listingId: $id, baseVersion: 1, "
     "input: {status: \"published\"}) { id } }", {"id": "{listing_a}"},
     {"GRAPHQL_VALIDATION_FAILED"}),
    ("verified in the change input (variables)",
     "mutation($id: ID!, $in: ListingChangeInput!) { proposeListingChange(listingId: $id, "
     "baseVersion: 1, input: $in) { id } }",
     {"id": "{listing_a}", "in": {"verified": True, "description": DESCRIPTION["description"]}},
     {"BAD_USER_INPUT"}),
    ("owner in the change input (variables)",
     "mutation($id: ID!, $in: ListingChangeInput!) { proposeListingChange(listingId: $id, "
     "baseVersion: 1, input: $in) { id } }", {"id": "{listing_a}", "in": {"ownerId": "x"}},
     {"BAD_USER_INPUT"}),
    ("create an API key", "mutation { createApiKey(name: \"mine\") { key } }", {},
     {"FORBIDDEN"}),
    ("revoke an API key", "mutation { revokeApiKey(id: \"QXBpS2V5OjE\") }", {}, {"FORBIDDEN"}),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if value.startswith("{") else value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("name", "query", "variables", "expected"), REFUSED,
                         ids=[r[0] for r in REFUSED])
async def test_owner_a_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, connection: AsyncConnection, world: World,
    name: str, query: str, variables: dict[str, Any], expected: set[str],
) -> None:
    ids = world.ids()
    before = await snapshot(connection)
    body = await gql(client, query.replace("{change_a}", ids["change_a"]),
                     fill(variables, ids), person=world.cast.owner_a)
    assert set(codes(body)) <= expected and codes(body), body
    assert "Bí mật của B" not in str(body)
    data = body.get("data") or {}
    assert all(v is None for v in data.values()), body
    assert await snapshot(connection) == before


async def test_b_photo_cannot_go_into_a_listing(
    client: httpx.AsyncClient, connection: AsyncConnection, world: World, session: AsyncSession,
) -> None:
    ids = world.ids()
    await gql(client, "mutation($id: ID!) { withdrawListingChange(id: $id) { id } }",
              {"id": ids["change_a"]}, person=world.cast.owner_a)
    before = await snapshot(connection)
    body = await gql(client, "mutation($id: ID!, $in: ListingChangeInput!) { "
                     "proposeListingChange(listingId: $id, baseVersion: 1, input: $in) { id } }",
                     {"id": ids["listing_a"], "in": {"photoIds": [ids["photo_b"]]}},
                     person=world.cast.owner_a)
    assert codes(body) == ["INVALID_LISTING_CHANGE"]
    assert await snapshot(connection) == before


async def test_lists_show_an_owner_only_their_own(client: httpx.AsyncClient,
                                                  world: World) -> None:
    ids = world.ids()
    mine = await gql(client, "{ listingChanges { edges { node { id listingId } } } "
                     "myListings { id } }", person=world.cast.owner_a)
    assert [e["node"]["id"] for e in mine["data"]["listingChanges"]["edges"]] == [ids["change_a"]]
    assert [x["id"] for x in mine["data"]["myListings"]] == [ids["listing_a"]]
    staff = await gql(client, "{ listingChanges(status: PENDING) { edges { node { id } } } }",
                      person=world.cast.editor)
    assert {e["node"]["id"] for e in staff["data"]["listingChanges"]["edges"]} >= {
        ids["change_a"], ids["change_b"]}
    anonymous = await gql(client, "{ listingChanges { edges { node { id } } } }")
    assert codes(anonymous) == ["UNAUTHENTICATED"]


async def test_b_draft_listing_is_hidden_from_a(client: httpx.AsyncClient, world: World) -> None:
    ids = world.ids()
    done = await gql(client, "mutation($id: ID!) { setListingStaffFields(listingId: $id, "
                     "status: \"draft\") }", {"id": ids["listing_b"]}, person=world.cast.editor)
    assert done["data"]["setListingStaffFields"] is True
    query = "query($id: ID!) { listing(id: $id) { version } destination(id: $id) { id } }"
    seen_by_a = await gql(client, query, {"id": ids["listing_b"]}, person=world.cast.owner_a)
    assert seen_by_a["data"] == {"listing": None, "destination": None}
    seen_by_b = await gql(client, query, {"id": ids["listing_b"]}, person=world.cast.owner_b)
    assert seen_by_b["data"]["listing"] == {"version": 1}


@pytest.mark.parametrize("field", ["status", "verified", "owner", "heritage_ranking",
                                   "ranking"])
async def test_the_service_refuses_staff_fields(session: AsyncSession,
                                                connection: AsyncConnection, field: str) -> None:
    people = await cast(session)
    before = await snapshot(connection)
    with pytest.raises(ListingError) as refused:
        await listings.propose_change(session=session, actor=people.owner_a.actor,
                                      destination_id=people.hotel_a, base_version=1,
                                      fields={field: "x", "description": {"vi": "a"}},
                                      now=utcnow())
    assert refused.value.code == "STAFF_FIELD"
    await session.rollback()
    assert await snapshot(connection) == before
