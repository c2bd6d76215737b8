"""The listing-change service: review, rejection, withdrawal, conflicts, versions, hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.time import utcnow
from geo.listings import service as listings
from geo.listings.errors import ListingError
from geo.listings.models import AuditEvent
from geo.models import Destination, OpeningPeriod
from geo.service import DestinationFilter, filter_clauses
from tests.accounts.helpers import cast, snapshot

MONDAY_NOON = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 12:00 in Hồ Chí Minh City


async def test_rejection_keeps_the_public_listing_and_says_why(session: AsyncSession) -> None:
    people = await cast(session)
    hotel = await session.get(Destination, people.hotel_a)
    assert hotel is not None
    before = dict(hotel.description)
    change = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"description": {"vi": "Giảm giá 90%!!!"}}, now=utcnow())
    rejected = await listings.reject_change(session=session, actor=people.editor.actor,
                                            change_id=change.id, reason="Quảng cáo sai sự thật",
                                            now=utcnow())
    assert (rejected.status, rejected.reason) == ("rejected", "Quảng cáo sai sự thật")
    await session.refresh(hotel)
    assert hotel.description == before
    state = await listings.listing_state(session=session, actor=people.owner_a.actor,
                                         destination_id=people.hotel_a)
    assert state is not None and state.version == 1
    # a decided change cannot be decided again
    with pytest.raises(ListingError) as again:
        await listings.approve_change(session=session, actor=people.editor.actor,
                                      change_id=change.id, now=utcnow())
    assert again.value.code == "LISTING_CHANGE_NOT_PENDING"


async def test_a_second_edit_conflicts_until_the_first_is_decided(session: AsyncSession,
                                                                  connection: AsyncConnection
                                                                  ) -> None:
    people = await cast(session)
    first = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"prices": []}, now=utcnow())
    first_id = first.id
    await session.commit()
    before = await snapshot(connection)
    with pytest.raises(ListingError) as conflict:
        await listings.propose_change(session=session, actor=people.owner_a.actor,
                                      destination_id=people.hotel_a, base_version=1,
                                      fields={"prices": []}, now=utcnow())
    assert conflict.value.code == "LISTING_VERSION_CONFLICT"
    await session.rollback()
    assert await snapshot(connection) == before
    # once approved, an edit based on the old version is stale
    await listings.approve_change(session=session, actor=people.editor.actor,
                                  change_id=first_id, now=utcnow())
    with pytest.raises(ListingError) as stale:
        await listings.propose_change(session=session, actor=people.owner_a.actor,
                                      destination_id=people.hotel_a, base_version=1,
                                      fields={"prices": []}, now=utcnow())
    assert stale.value.code == "LISTING_VERSION_CONFLICT"
    second = await listings.propose_change(session=session, actor=people.owner_a.actor,
                                           destination_id=people.hotel_a, base_version=2,
                                           fields={"prices": []}, now=utcnow())
    assert second.base_version == 2


async def test_withdrawal_frees_the_listing_for_a_new_edit(session: AsyncSession) -> None:
    people = await cast(session)
    change = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"prices": []}, now=utcnow())
    withdrawn = await listings.withdraw_change(session=session, actor=people.owner_a.actor,
                                               change_id=change.id, now=utcnow())
    assert withdrawn.status == "withdrawn"
    again = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"prices": []}, now=utcnow())
    actions = (await session.execute(select(AuditEvent.action).where(
        AuditEvent.destination_id == people.hotel_a).order_by(AuditEvent.id))).scalars().all()
    assert again.id != change.id
    assert actions == ["change.proposed", "change.withdrawn", "change.proposed"]


async def test_approved_hours_change_open_now(session: AsyncSession) -> None:
    people = await cast(session)
    change = await listings.propose_change(
        session=session, actor=people.owner_a.actor, destination_id=people.hotel_a,
        base_version=1, fields={"opening_hours": {"mon": [["18:00", "23:00"]]}}, now=utcnow())
    await listings.approve_change(session=session, actor=people.editor.actor,
                                  change_id=change.id, now=utcnow())
    periods = (await session.execute(select(OpeningPeriod).where(
        OpeningPeriod.destination_id == people.hotel_a))).scalars().all()
    assert [(p.weekday, p.opens_minute, p.closes_minute) for p in periods] == [(0, 1080, 1380)]
    open_at_noon = await session.scalar(select(Destination.id).where(
        Destination.id == people.hotel_a,
        *filter_clauses(DestinationFilter(open_now=True, now=MONDAY_NOON))))
    assert open_at_noon is None  # it used to be always open
    versions = await listings.versions(session=session, actor=people.owner_a.actor,
                                       destination_id=people.hotel_a)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].snapshot["opening_hours"] == {"always_open": True}
    assert versions[1].snapshot["opening_hours"] == {"mon": [["18:00", "23:00"]]}


@pytest.mark.parametrize(("fields", "field"), [
    ({"contact": {"email": "not-an-email"}}, "contact.email"),
    ({"contact": {"website": "javascript:alert(1)"}}, "contact.website"),
    ({"prices": [{"label": {"vi": "Vé"}, "amount_vnd": 10**12}]}, "prices"),
    ({"description": {"vi": "x" * 5001}}, "description"),
    ({"special_closures": [{"date": "2026-13-01"}]}, "specialClosures"),
    ({"accessibility": {"wheelchair": "yes"}}, "accessibility"),
    ({"photos": [1, 1]}, "photos"),
    ({}, "fields"),
])
async def test_bad_fields_are_refused_with_the_field(session: AsyncSession,
                                                     fields: dict[str, object],
                                                     field: str) -> None:
    people = await cast(session)
    with pytest.raises(ListingError) as refused:
        await listings.propose_change(session=session, actor=people.owner_a.actor,
                                      destination_id=people.hotel_a, base_version=1,
                                      fields=fields, now=utcnow())
    assert (refused.value.code, refused.value.field) == ("INVALID_LISTING_CHANGE", field)
