"""In headless Chromium, in Vietnamese and in English: an editor reads the Numbers page of the
last 30 days and of a chosen period; its totals are the sums of the counts put in; every page
passes axe-core without a serious or critical violation, on phone and desktop widths."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api.db import make_async_engine
from core.time import local_day
from tests.console.conftest import LiveConsole, walk
from tests.qr.test_usage import COUNTED, put_counts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
SERIES = ("scans", "plays", "views")


async def _count(url: str) -> None:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await put_counts(session, local_day())
            await session.commit()
    finally:
        await engine.dispose()


def _sums(since_back: int, until_back: int) -> dict[str, int]:
    return {s: sum(c[-1] for c in COUNTED if until_back <= c[0] <= since_back
                   and c[2] + "s" == s) for s in SERIES}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_editor_reads_the_numbers(live_console: LiveConsole, lang: str) -> None:
    asyncio.run(_count(live_console.database_url))
    today = local_day()
    result = walk("numbers_walk.mjs", live_console, SCREENSHOTS / live_console.backend,
                  CONSOLE_LANG=lang, SINCE=(today - timedelta(days=40)).isoformat(),
                  UNTIL=(today - timedelta(days=1)).isoformat())
    assert result["problems"] == []
    assert len(result["pages"]) == 3
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["signedIn"].endswith("/console/numbers")
    assert steps["month"] == _sums(29, 0)
    assert steps["days"] == 30 and steps["bars"] >= 30 * 3
    assert steps["period"] == _sums(40, 1)
    assert steps["phoneWidth"] <= 390
