"""Bounded room for expensive work, under real concurrency (threads doing the work): never
more than `limit` at once, a caller past the wait refused with its coded error, and a slot
that rests after each use."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from core.capacity import WorkSlots
from core.errors import CoreErrorCode, DomainError


def _slots(limit: int, wait_s: float, rest_ratio: float = 0.0) -> WorkSlots:
    return WorkSlots(limit=limit, wait_s=wait_s, rest_ratio=rest_ratio,
                     refusal=lambda: DomainError(CoreErrorCode.PAGE_SIZE_EXCEEDED, "busy"))


class Gauge:
    """How many pieces of work run at once in threads, and the most seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0

    def work(self, seconds: float) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(seconds)
        with self.lock:
            self.now -= 1


async def test_no_more_than_the_limit_run_at_once_and_the_others_wait() -> None:
    slots, gauge = _slots(2, wait_s=5.0), Gauge()

    async def one() -> None:
        async with slots.slot():
            await asyncio.to_thread(gauge.work, 0.15)

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(5)))
    assert gauge.most == 2
    assert time.monotonic() - started >= 0.15 * 3  # 5 pieces, 2 at a time: 3 rounds


async def test_the_one_past_the_limit_is_refused_after_the_wait() -> None:
    slots, gauge = _slots(2, wait_s=0.05), Gauge()
    outcomes: list[str] = []

    async def one() -> None:
        try:
            async with slots.slot():
                await asyncio.to_thread(gauge.work, 0.3)
                outcomes.append("done")
        except DomainError as refused:
            outcomes.append(refused.message)

    await asyncio.gather(*(one() for _ in range(3)))
    assert sorted(outcomes) == ["busy", "done", "done"] and gauge.most == 2
    async with slots.slot():  # the slots were given back
        pass


async def test_a_slot_rests_in_proportion_to_its_use() -> None:
    slots = _slots(1, wait_s=0.02, rest_ratio=3.0)
    async with slots.slot():
        await asyncio.sleep(0.05)
    with pytest.raises(DomainError):  # resting for ~0.15 s
        async with slots.slot():
            pass
    await asyncio.sleep(0.2)
    async with slots.slot():
        pass
