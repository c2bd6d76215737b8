"""In headless Chromium: a Korean and a Vietnamese visitor send feedback from a /q page's form
and follow their tracking pages; an editor answers both in the console; the tracking pages
show the answers in the visitors' languages; every page passes axe-core; on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts.permissions import Actor, Role
from api.db import make_async_engine
from geo.models import Destination
from qr.feedback.models import Feedback
from qr.models import TargetKind
from qr.service import QrTarget, create_qr_code
from tests.console.conftest import LiveConsole, walk

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"


async def _code(url: str) -> str:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            site = (await session.execute(select(Destination).where(
                Destination.slug == "chua-ba-thien-hau"))).scalar_one()
            qr = await create_qr_code(session=session, actor=Actor(role=Role.EDITOR,
                                                                   account_id=1),
                                      target=QrTarget(TargetKind.DESTINATION, site.id))
            code = qr.code
            await session.commit()
            return code
    finally:
        await engine.dispose()


async def _items(url: str) -> list[Feedback]:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            return list((await session.execute(select(Feedback).order_by(Feedback.id))
                         ).scalars())
    finally:
        await engine.dispose()


def test_visitors_follow_their_feedback_to_the_staffs_answer(live_console: LiveConsole) -> None:
    code = asyncio.run(_code(live_console.database_url))
    result = walk("feedback_walk.mjs", live_console, SCREENSHOTS / live_console.backend,
                  QR_CODE=code)
    assert result["problems"] == []
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
    steps = result["steps"]
    sent = {s["lang"]: s for s in steps if "tracking" in s}
    assert sent["ko"]["status"] == "접수됨" and sent["vi"]["status"] == "Đã tiếp nhận"
    assert sent["ko"]["sent"] == sent["vi"]["sent"] == 1
    assert [s["contactShown"] for s in steps if "contactShown" in s] == [True, None]
    assert [s["status"] for s in steps if "handled" in s] == ["Đã giải quyết"] * 2
    answered = {s["lang"]: s for s in steps if "answered" in s}
    assert answered["ko"]["statusAfter"] == "해결됨" and answered["ko"]["htmlLang"] == "ko"
    assert answered["ko"]["answered"] == "Chúng tôi đã thay loa. 스피커를 교체했습니다."
    assert answered["vi"]["statusAfter"] == "Đã giải quyết" and answered["vi"]["htmlLang"] == "vi"
    assert answered["vi"]["answered"].startswith("Ban quản lý đã nhắc nhở")
    items = asyncio.run(_items(live_console.database_url))
    assert [(i.lang, i.status, i.assigned_to) for i in items] == [
        ("ko", "resolved", "Ban quản lý di tích"), ("vi", "resolved", "Ban quản lý di tích")]
    assert [i.tracking_code for i in items] == [sent["ko"]["tracking"], sent["vi"]["tracking"]]
