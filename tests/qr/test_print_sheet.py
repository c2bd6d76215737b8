"""Printing a QR sheet: staff only, through a mutation (never a GET), kept in the media store."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import ANONYMOUS, Actor, Role
from api.types.common import to_global_id
from core.errors import DomainError
from media.store import LocalStore
from qr import service
from qr.sheet import SheetFormat
from tests.conftest import graphql
from tests.qr.conftest import STAFF, make_guide_stop

PRINT = """mutation ($d: ID!) {
  printQrSheet(destinationId: $d, format: SVG) { contentType labelCount urls } }"""


async def test_staff_print_a_sheet_into_the_store(session: AsyncSession,
                                                  local_store: LocalStore) -> None:
    guide = await make_guide_stop(session, local_store)
    printed = await service.print_sheet(
        session=session, store=local_store, actor=STAFF, destination_id=guide.destination.id,
        public_base_url="http://testserver", format=SheetFormat.SVG)
    assert printed.content_type == "image/svg+xml" and printed.label_count == 1
    keys = local_store.list_keys("qr-sheets")
    assert len(printed.urls) == len(keys) == 1 and keys[0].endswith("/sheet.svg")
    assert guide.code.encode() in local_store.get(keys[0])
    again = await service.print_sheet(
        session=session, store=local_store, actor=STAFF, destination_id=guide.destination.id,
        public_base_url="http://testserver", format=SheetFormat.SVG)
    assert again.urls == printed.urls  # the same sheet, the same object


@pytest.mark.parametrize(("actor", "code"), [
    (ANONYMOUS, "UNAUTHENTICATED"), (Actor(role=Role.OWNER, account_id=7), "FORBIDDEN"),
    (Actor(role=Role.KIOSK), "UNAUTHENTICATED")])
async def test_others_may_not_print(session: AsyncSession, local_store: LocalStore,
                                    actor: Actor, code: str) -> None:
    guide = await make_guide_stop(session, local_store)
    with pytest.raises(DomainError) as refused:
        await service.print_sheet(session=session, store=local_store, actor=actor,
                                  destination_id=guide.destination.id,
                                  public_base_url="http://testserver")
    assert refused.value.code == code
    assert local_store.list_keys("qr-sheets") == []


async def test_the_mutation_prints_and_a_get_cannot(staff_client: httpx.AsyncClient,
                                                    session: AsyncSession) -> None:
    store: LocalStore = staff_client._transport.app.state.store  # type: ignore[attr-defined]
    guide = await make_guide_stop(session, store)
    await session.commit()
    variables = {"d": to_global_id("Destination", guide.destination.id)}
    refused = await staff_client.get("/graphql", params={
        "query": PRINT, "variables": f'{{"d": "{variables["d"]}"}}'})
    assert refused.status_code == 405, refused.text  # GraphQL over HTTP: a GET mutation
    assert "not allowed when using GET" in refused.text
    assert refused.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert store.list_keys("qr-sheets") == []
    body = await graphql(staff_client, PRINT, variables)
    sheet = body["data"]["printQrSheet"]
    assert sheet["contentType"] == "image/svg+xml" and sheet["labelCount"] == 1
    assert len(store.list_keys("qr-sheets")) == len(sheet["urls"]) == 1
