"""Migration 0012 moves the scan counts of `qr_scan_count` into `usage_count` as scans of their
target's site, and back on downgrade, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api import migrations
from api.db import make_async_engine, make_sync_engine
from geo.demo import load_demo
from geo.models import Destination
from qr.models import QrCode
from tests.live import own_database
from tours.models import Stop


@pytest.fixture(params=["sqlite", "postgis"])
def url_at_0011(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with own_database(request, request.param, "usage_move", tmp_path) as url:
        migrations.upgrade(url, "0011")

        async def seed() -> None:
            engine = make_async_engine(url, poolclass=NullPool)
            async with AsyncSession(engine) as session:
                await load_demo(session=session)
                site = await session.scalar(select(Destination.id).order_by(Destination.id))
                stop = Stop(destination_id=site, position=1, title={"vi": "Cổng tam quan"},
                            text={})
                session.add(stop)
                await session.flush()
                session.add(QrCode(code="MOVE23", target_kind="stop", stop_id=stop.id))
                await session.commit()
            await engine.dispose()

        asyncio.run(seed())
        yield url


def test_scan_counts_move_to_the_usage_counts_and_back(url_at_0011: str) -> None:
    engine = make_sync_engine(url_at_0011)
    try:
        with engine.begin() as conn:
            site, stop = conn.execute(text(
                "SELECT d.id, s.id FROM destination d JOIN stop s ON s.destination_id = d.id "
                "ORDER BY s.id LIMIT 1")).one()
            code = conn.execute(text("SELECT id FROM qr_code ORDER BY id LIMIT 1")).scalar_one()
            conn.execute(text("DELETE FROM qr_scan_count"))
            conn.execute(text(
                "INSERT INTO qr_scan_count (day, qr_code_id, target_kind, target_id, lang, "
                "channel, count) VALUES ('2025-03-01', :c, 'stop', :s, 'vi', 'web', 5), "
                "('2025-03-01', :c, 'destination', :d, 'ko', 'app', 2), "
                "('2025-03-02', :c, 'stop', 99999999, 'en', 'web', 1)"),
                {"c": code, "s": stop, "d": site})
        migrations.upgrade(url_at_0011)
        with engine.connect() as conn:
            moved = sorted(tuple(r) for r in conn.execute(text(
                "SELECT kind, destination_id, target_kind, target_id, qr_code_id, lang, "
                "channel, count FROM usage_count")))
        assert moved == sorted([("scan", site, "stop", stop, code, "vi", "web", 5),
                                ("scan", site, "destination", site, code, "ko", "app", 2)])
        migrations.downgrade(url_at_0011, "0011")
        with engine.connect() as conn:
            back = sorted(tuple(r) for r in conn.execute(text(
                "SELECT target_kind, target_id, lang, channel, count FROM qr_scan_count")))
        assert back == sorted([("stop", stop, "vi", "web", 5),
                               ("destination", site, "ko", "app", 2)])
    finally:
        engine.dispose()
