"""DestinationFilter: category, ranking, province, open now, has tour, has audio."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, Role
from core.paging import PageRequest
from geo.models import Destination
from geo.service import DestinationFilter, list_destinations
from tests.reference import demo_records

EDITOR = Actor(role=Role.EDITOR, account_id=1)


async def slugs(session: AsyncSession, flt: DestinationFilter) -> set[str]:
    page = await list_destinations(session=session, flt=flt, page=PageRequest(first=100))
    assert not page.has_next
    return {d.slug for d in page.items}


async def test_category_ranking_and_province(session: AsyncSession) -> None:
    got = await slugs(session, DestinationFilter(categories=("pagoda", "temple"),
                                                 provinces=("bac-ninh",)))
    assert got == {r["slug"] for r in demo_records() if r["category"] in ("pagoda", "temple")
                   and r["province"] == "bac-ninh"} != set()
    got = await slugs(session, DestinationFilter(rankings=("special_national",)))
    assert got == {r["slug"] for r in demo_records()
                   if r["heritage_ranking"] == "special_national"} != set()


async def test_open_now_in_vietnam_time(session: AsyncSession) -> None:
    # Bảo tàng Bình Dương opens Tuesday to Sunday, 07:30-11:30 and 13:30-16:30.
    monday_9am = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)      # 09:00 Monday in Vietnam
    tuesday_9am = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    tuesday_noon = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)    # 12:00: lunch break
    museum = "bao-tang-binh-duong"
    assert museum not in await slugs(session, DestinationFilter(open_now=True, now=monday_9am))
    assert museum in await slugs(session, DestinationFilter(open_now=False, now=monday_9am))
    assert museum in await slugs(session, DestinationFilter(open_now=True, now=tuesday_9am))
    assert museum not in await slugs(session, DestinationFilter(open_now=True,
                                                                now=tuesday_noon))
    always = {r["slug"] for r in demo_records()
              if (r["opening_hours"] or {}).get("always_open")}
    assert always and always <= await slugs(session, DestinationFilter(open_now=True,
                                                                       now=tuesday_noon))


async def test_has_tour_and_has_audio(session: AsyncSession) -> None:
    from tours.models import Narration, Stop
    from tours.service import create_tour

    toured, narrated = (await session.execute(
        select(Destination).where(Destination.slug.in_(["den-do", "chua-dau"]))
        .order_by(Destination.slug))).scalars().all()
    assert await slugs(session, DestinationFilter(has_tour=True)) == set()
    await create_tour(session=session, actor=EDITOR, destination_id=toured.id,
                      slug="den-do-360", title={"vi": "Đền Đô 360°"})
    stop = Stop(destination_id=narrated.id, position=1, title={"vi": "Tam quan"}, text={})
    session.add(stop)
    await session.flush()
    assert await slugs(session, DestinationFilter(has_audio=True)) == set()
    session.add(Narration(stop_id=stop.id, lang="vi", audio_key="narrations/x/vi.ogg",
                          audio_type="audio/ogg", audio_codec="opus", audio_bytes=10,
                          duration_s=3.0, transcript_key="narrations/x/vi.vtt",
                          transcript_text="WEBVTT", translation="original"))
    await session.flush()
    assert await slugs(session, DestinationFilter(has_tour=True)) == {toured.slug}
    assert await slugs(session, DestinationFilter(has_audio=True)) == {narrated.slug}
    without = await slugs(session, DestinationFilter(has_tour=False))
    assert toured.slug not in without and len(without) == len(demo_records()) - 1
