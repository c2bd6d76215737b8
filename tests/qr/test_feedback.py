"""A visitor's feedback from a /q page's form and from GraphQL: the tracking page in their
language, refusals (too long, too many, bad photo, forged form) that write nothing to the
database or the store, and the staff's handling: moves, answers, merges, overdue, purge; on
both databases."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from accounts.permissions import Actor, Role
from api.app import create_app
from api.settings import FeedbackSettings, Settings
from core.errors import DomainError
from core.time import utcnow
from geo.models import Destination
from qr.feedback import handling
from qr.feedback.models import Feedback
from qr.models import TargetKind
from qr.service import QrTarget, create_qr_code
from tests.accounts.helpers import add_person
from tests.conftest import graphql

SUBMIT = """mutation($input: FeedbackInput!) { submitFeedback(input: $input) {
  trackingCode trackingUrl status } }"""
TRACK = """query($code: String!) { feedback(trackingCode: $code) {
  trackingCode status answer merged category destination { name } } }"""


async def site_code(session: AsyncSession, slug: str = "chua-ba-thien-hau") -> tuple[str, int]:
    """A fresh QR code of a published demo site (committed) and the site's id."""
    site = (await session.execute(select(Destination).where(Destination.slug == slug))
            ).scalar_one()
    qr = await create_qr_code(session=session, actor=Actor(role=Role.EDITOR, account_id=1),
                              target=QrTarget(TargetKind.DESTINATION, site.id))
    await session.commit()
    return qr.code, site.id


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def form_of(client: httpx.AsyncClient, code: str, lang: str) -> dict[str, str]:
    """The hidden fields of the feedback form of a /q page."""
    page = await client.get(f"/q/{code}", headers={"Accept-Language": lang})
    assert page.status_code == 200, page.text
    assert 'action="/feedback"' in page.text
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


async def post(client: httpx.AsyncClient, fields: dict[str, str], *,
               photo: tuple[str, bytes, str] | None = None, lang: str = "ko") -> httpx.Response:
    return await client.post("/feedback", data=fields, files={"photo": photo} if photo else None,
                             headers={"Accept-Language": lang})


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Feedback)) or 0)


def stored(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def media_root(settings: Settings) -> Path:
    return Path(settings.media.url.removeprefix("file://"))


async def test_a_korean_visitor_sends_feedback_and_follows_it(
        client: httpx.AsyncClient, session: AsyncSession, media_root: Path) -> None:
    code, site = await site_code(session)
    fields = await form_of(client, code, "ko-KR,ko;q=0.9")
    assert fields["lang"] == "ko" and fields["code"] == code
    sent = await post(client, {**fields, "category": "not_working",
                               "text": "오디오가 재생되지 않아요", "contact": "kim@example.kr"},
                      photo=("photo.jpg", jpeg(), "image/jpeg"))
    assert sent.status_code == 303, sent.text
    tracking = await client.get(sent.headers["location"])
    assert tracking.status_code == 200
    assert '<html lang="ko">' in tracking.text and "접수됨" in tracking.text
    assert "kim@example.kr" not in tracking.text  # the contact is for staff only
    (item,) = (await session.execute(select(Feedback))).scalars().all()
    assert item.destination_id == site and item.category == "not_working"
    assert item.lang == "ko" and item.contact == "kim@example.kr"
    assert re.fullmatch(r"PA-20\d\d-[2-9A-HJ-NP-Z]{8}", item.tracking_code)
    assert item.tracking_code in sent.headers["location"]
    assert set(item.photo or {}) == {"thumbnail", "medium", "large"}
    assert all(p.suffix in (".jpg", ".webp") for p in stored(media_root))


async def test_graphql_feedback_is_tracked_without_its_contact(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    code, _ = await site_code(session)
    body = await graphql(client, SUBMIT, {"input": {
        "code": code, "category": "PRICES", "text": "Bán vé giá gấp đôi niêm yết",
        "contact": "+84 912 345 678"}}, headers={"Accept-Language": "vi"})
    receipt = body["data"]["submitFeedback"]
    assert receipt["status"] == "RECEIVED" and "/feedback/PA-" in receipt["trackingUrl"]
    found = (await graphql(client, TRACK, {"code": receipt["trackingCode"].lower()}))
    assert found["data"]["feedback"]["status"] == "RECEIVED"
    assert found["data"]["feedback"]["category"] == "PRICES"
    assert "912" not in str(found)


@pytest.mark.parametrize(("changes", "photo", "problem"), [
    ({"text": "x" * 2001}, None, "FEEDBACK_TEXT_TOO_LONG"),
    ({"text": "   "}, None, "FEEDBACK_TEXT_EMPTY"),
    ({"contact": "not a contact"}, None, "INVALID_FEEDBACK_CONTACT"),
    ({"category": "weather"}, None, "INVALID_FEEDBACK_CATEGORY"),
    ({}, ("photo.jpg", b"\xff\xd8\xff\xe0 this is no image", "image/jpeg"), "PHOTO_INVALID"),
    ({}, ("photo.gif", b"GIF89a" + b"\0" * 64, "image/gif"), "PHOTO_INVALID"),
    ({"form": "1.0123456789abcdef0123456789abcdef"}, None, "FEEDBACK_FORM_EXPIRED"),
])
async def test_a_refused_submission_writes_nothing(
        client: httpx.AsyncClient, session: AsyncSession, media_root: Path,
        changes: dict[str, str], photo: tuple[str, bytes, str] | None, problem: str) -> None:
    code, _ = await site_code(session)
    fields = {**await form_of(client, code, "vi"), "category": "cleanliness",
              "text": "Nhà vệ sinh bẩn", **changes}
    before = stored(media_root)
    sent = await post(client, fields, photo=photo, lang="vi")
    assert sent.status_code in (400, 403), sent.text
    assert '<html lang="vi">' in sent.text and 'role="alert"' in sent.text
    assert await count(session) == 0
    assert stored(media_root) == before
    # the form comes back with what the visitor wrote, and a fresh token
    assert 'action="/feedback"' in sent.text


async def test_a_bomb_and_an_oversized_photo_write_nothing(
        settings: Settings, sessions: async_sessionmaker[AsyncSession],
        connection: AsyncConnection, session: AsyncSession, media_root: Path) -> None:
    small = settings.model_copy(update={"feedback": FeedbackSettings(max_photo_bytes=64 * 1024,
                                                                     burst=10)})
    app = create_app(small, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        code, _ = await site_code(session)
        fields = {**await form_of(client, code, "vi"), "category": "safety", "text": "Lan can gãy"}
        out = io.BytesIO()
        Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 Mpx in a few kB
        bomb = await post(client, fields, photo=("bomb.png", out.getvalue(), "image/png"))
        assert bomb.status_code == 400
        large = await post(client, fields, photo=("big.jpg", b"\xff\xd8\xff" + b"0" * 70_000,
                                                  "image/jpeg"))
        assert large.status_code == 400, large.text
        huge = await post(client, fields, photo=("huge.jpg", b"0" * 200_000, "image/jpeg"))
        assert huge.status_code == 413
    assert await count(session) == 0 and stored(media_root) == set()


async def test_too_many_from_one_address_are_refused_and_write_nothing(
        settings: Settings, sessions: async_sessionmaker[AsyncSession],
        connection: AsyncConnection, session: AsyncSession) -> None:
    strict = settings.model_copy(update={"feedback": FeedbackSettings(burst=3, per_hour=1)})
    app = create_app(strict, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        code, _ = await site_code(session)
        fields = {**await form_of(client, code, "ko"), "category": "praise",
                  "text": "정말 좋았어요"}
        for _ in range(3):
            assert (await post(client, fields)).status_code == 303
        refused = await post(client, fields)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert '<html lang="ko">' in refused.text
        by_app = await graphql(client, SUBMIT, {"input": {
            "code": code, "category": "PRAISE", "text": "좋아요"}})
        assert by_app["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await count(session) == 3


async def test_staff_move_answer_and_merge_and_the_tracking_page_follows(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    code, site = await site_code(session)
    fields = {**await form_of(client, code, "vi"), "category": "wrong_information"}
    first = await post(client, {**fields, "text": "Giờ mở cửa ghi sai"}, lang="vi")
    second = await post(client, {**fields, "text": "Giờ mở cửa không đúng"}, lang="vi")
    one, two = (await session.execute(select(Feedback).order_by(Feedback.id))).scalars().all()
    staff = (await add_person(session, "editor")).actor
    now = utcnow()
    with pytest.raises(DomainError) as refused:
        await handling.handle_feedback(session=session, actor=staff, feedback_id=one.id,
                                       status="merged", now=now)
    assert refused.value.code == "INVALID_FEEDBACK_STATUS"
    await handling.merge_feedback(session=session, actor=staff, feedback_id=two.id,
                                  into_tracking_code=one.tracking_code, now=now)
    await handling.handle_feedback(session=session, actor=staff, feedback_id=one.id,
                                   status="resolved", assigned_to="Ban quản lý di tích",
                                   answer="Đã sửa giờ mở cửa trên bảng thông tin.", now=now)
    await session.commit()
    with pytest.raises(DomainError) as closed:
        await handling.handle_feedback(session=session, actor=staff, feedback_id=one.id,
                                       status="in_progress", now=now)
    assert closed.value.code == "INVALID_FEEDBACK_STATUS"
    for response in (first, second):
        page = await client.get(response.headers["location"].replace("&sent=1", ""))
        assert "Đã giải quyết" in page.text and "Đã sửa giờ mở cửa" in page.text
    assert "handles them together" not in page.text and "Sở xử lý chung" in page.text
    with pytest.raises(DomainError) as wrong:
        await handling.merge_feedback(session=session, actor=staff, feedback_id=one.id,
                                      into_tracking_code=one.tracking_code, now=now)
    assert wrong.value.code == "INVALID_FEEDBACK_MERGE"
    (summary,) = await handling.site_summaries(session=session, actor=staff, now=now)
    assert (summary.destination_id, summary.total, summary.open) == (site, 2, 0)


async def test_overdue_items_are_flagged_and_old_contacts_purged(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    code, site = await site_code(session)
    fields = {**await form_of(client, code, "en"), "category": "safety",
              "text": "Broken railing on the stairs", "contact": "visitor@example.com"}
    assert (await post(client, fields, lang="en")).status_code == 303
    (item,) = (await session.execute(select(Feedback))).scalars().all()
    staff = (await add_person(session, "editor")).actor
    later = utcnow() + timedelta(hours=25)
    assert not handling.is_overdue(item, utcnow()) and handling.is_overdue(item, later)
    (summary,) = await handling.site_summaries(session=session, actor=staff, now=later)
    assert summary.overdue == 1
    assert await handling.purge_contacts(session=session, now=utcnow(), retention_days=90) == 0
    assert await handling.purge_contacts(session=session, now=utcnow() + timedelta(days=91),
                                         retention_days=90) == 1
    await session.commit()
    await session.refresh(item)
    assert item.contact is None and item.contact_purged_at is not None
    assert item.text == "Broken railing on the stairs"


async def test_unknown_tracking_codes_and_anonymous_handling_are_refused(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    missing = await client.get("/feedback/PA-2026-ZZZZZZZZ", headers={"Accept-Language": "ja"})
    assert missing.status_code == 404 and '<html lang="ja">' in missing.text
    with pytest.raises(DomainError) as denied:
        await handling.site_summaries(session=session, actor=Actor(), now=utcnow())
    assert denied.value.code == "UNAUTHENTICATED"
