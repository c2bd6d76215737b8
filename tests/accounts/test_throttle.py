"""Token buckets in the database: the burst, the refill computed in SQL, refusals that change
nothing, forgetting, pruning full buckets; the process's memory of refusals."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts import throttle
from accounts.models import RateBucket
from api.ratelimit import TokenBuckets
from tests.conftest import StatementCounter

BUCKET = throttle.Bucket(per_minute=60, burst=3)  # a token a second


async def _row(session: AsyncSession, key: str) -> tuple[float, float, float] | None:
    row = (await session.execute(select(RateBucket.tokens, RateBucket.updated_at,
                                        RateBucket.full_at).where(RateBucket.key == key))).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def test_the_burst_then_a_refusal_that_changes_nothing(session: AsyncSession) -> None:
    takes = [await throttle.take(session=session, bucket=BUCKET, key="client:a", now=100.0)
             for _ in range(3)]
    assert [t.granted for t in takes] == [True] * 3
    assert [t.tokens for t in takes] == [2.0, 1.0, 0.0]
    assert await _row(session, "client:a") == (0.0, 100.0, 103.0)
    refused = await throttle.take(session=session, bucket=BUCKET, key="client:a", now=100.25)
    assert not refused.granted
    assert refused.tokens == pytest.approx(0.25)
    assert refused.retry_after == pytest.approx(0.75)
    assert await _row(session, "client:a") == (0.0, 100.0, 103.0)  # untouched
    # another key has its own bucket
    assert (await throttle.take(session=session, bucket=BUCKET, key="client:b",
                                now=100.25)).granted


async def test_the_refill_is_computed_in_sql_and_capped_at_the_burst(
    session: AsyncSession,
) -> None:
    for _ in range(3):
        await throttle.take(session=session, bucket=BUCKET, key="k", now=0.0)
    later = await throttle.take(session=session, bucket=BUCKET, key="k", now=1.5)
    assert later.granted and later.tokens == pytest.approx(0.5)
    much_later = await throttle.take(session=session, bucket=BUCKET, key="k", now=3600.0)
    assert much_later.tokens == pytest.approx(2.0)  # 3 at most, minus this take
    # a clock that goes back refills nothing
    back = await throttle.take(session=session, bucket=BUCKET, key="k", now=10.0)
    assert back.granted and back.tokens == pytest.approx(1.0)


async def test_the_database_clock_by_default(session: AsyncSession) -> None:
    first = await throttle.take(session=session, bucket=BUCKET, key="clock")
    row = await _row(session, "clock")
    assert first.granted and row is not None
    assert abs(row[1] - time.time()) < 5  # seconds since the epoch, as the database sees them


async def test_a_cost_past_the_burst_is_refused_and_writes_nothing(
    session: AsyncSession,
) -> None:
    with pytest.raises(ValueError, match="burst"):
        await throttle.take(session=session, bucket=BUCKET, key="big", cost=4)
    with pytest.raises(ValueError):
        await throttle.take(session=session, bucket=BUCKET, key="big", cost=0)
    assert await _row(session, "big") is None


async def test_forget_and_prune(session: AsyncSession) -> None:
    await throttle.take(session=session, bucket=BUCKET, key="login:a@example.vn", now=0.0)
    await throttle.take(session=session, bucket=BUCKET, key="client:c", now=0.0)
    for _ in range(3):
        await throttle.take(session=session, bucket=BUCKET, key="client:d", now=0.0)
    await throttle.forget(session=session, key="login:a@example.vn")
    assert await _row(session, "login:a@example.vn") is None
    # client:c is full again after 1 s, client:d after 3 s
    assert await throttle.prune(session=session, now=2.0) == 1
    assert await _row(session, "client:c") is None
    assert await _row(session, "client:d") is not None


async def test_memory_refuses_what_the_database_would_without_asking_it(
    sessions: async_sessionmaker[AsyncSession], count_statements: StatementCounter,
) -> None:
    now = [0.0]
    buckets = TokenBuckets(sessions=sessions, per_minute=60, burst=1, clock=lambda: now[0])
    assert await buckets.take("qr:x") == 0
    assert await buckets.take("qr:x") > 0  # the database refused: remembered
    asked = len(count_statements.limiter)
    now[0] = 0.5
    wait = await buckets.take("qr:x")
    assert 0 < wait <= 1 and len(count_statements.limiter) == asked  # from memory
    now[0] = 5.0  # this process would have a token again: it asks the database
    await buckets.take("qr:x")
    assert len(count_statements.limiter) > asked
    await buckets.forget("qr:x")
    assert await buckets.take("qr:x") == 0
