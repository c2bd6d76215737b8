"""Leased tokens (api/ratelimit.py): a busy key asks the database once per lease, the lease
grows from one token, never grants what the shared bucket would refuse (two limiters stand
for two containers on one database), and unspent tokens are dropped when the lease expires."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts import throttle
from accounts.models import RateBucket
from api.ratelimit import TokenBuckets
from tests.conftest import StatementCounter

SLOW = 0.001  # tokens a minute: the database refills nothing during a test


def _takes(counter: StatementCounter) -> int:
    return sum("rate_bucket" in s and not s.startswith(("SAVEPOINT", "RELEASE"))
               for s in counter.limiter)


async def _tokens(session: AsyncSession, key: str) -> float:
    """What the key's row holds, to the hundredth (the slow refill adds a little)."""
    held = float(await session.scalar(select(RateBucket.tokens).where(RateBucket.key == key)))
    return round(held, 2)


async def test_a_busy_key_leases_more_each_time_it_comes_back(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession,
    count_statements: StatementCounter,
) -> None:
    # given a limiter leasing up to 8 tokens of a bucket of 100
    buckets = TokenBuckets(sessions=sessions, per_minute=SLOW, burst=100, lease_tokens=8)
    # when one key takes 1 + 2 + 4 + 8 + 8 tokens one request at a time
    waits = [await buckets.take("qr:group") for _ in range(23)]
    # then every request went on, and the database was asked five times, not 23
    assert waits == [0.0] * 23
    assert _takes(count_statements) == 5
    assert await _tokens(session, "qr:group") == 100 - 23


async def test_a_lease_never_grants_what_the_shared_bucket_refuses(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession,
) -> None:
    # given two containers' limiters on one bucket of 7 tokens
    one, two = (TokenBuckets(sessions=sessions, per_minute=SLOW, burst=7, lease_tokens=4)
                for _ in range(2))
    # when the client calls them in turn, far more often than its burst
    granted = 0
    for i in range(40):
        granted += await (one if i % 2 else two).take("qr:flood") == 0
    # then the burst was granted once across both, and the bucket is empty
    assert granted == 7
    assert await _tokens(session, "qr:flood") < 1


async def test_a_lease_takes_what_is_left_when_the_bucket_runs_low(
    session: AsyncSession,
) -> None:
    bucket = throttle.Bucket(per_minute=60, burst=5)
    taken, _ = await throttle.take_up_to(session=session, bucket=bucket, key="k", most=3,
                                         now=0.0)
    assert taken == 3
    taken, last = await throttle.take_up_to(session=session, bucket=bucket, key="k", most=3,
                                            now=0.0)
    assert taken == 2 and last.tokens == 0.0  # two were left: the lease is two
    taken, last = await throttle.take_up_to(session=session, bucket=bucket, key="k", most=3,
                                            now=0.5)
    assert taken == 0 and last.retry_after > 0  # half a token is no lease
    assert await _tokens(session, "k") == 0.0  # a refusal changed nothing


async def test_unspent_tokens_are_dropped_when_the_lease_expires(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession,
) -> None:
    now = [0.0]
    buckets = TokenBuckets(sessions=sessions, per_minute=SLOW, burst=10, lease_tokens=4,
                           lease_seconds=5, clock=lambda: now[0])
    for _ in range(3):  # a lease of 1, then one of 2, spent
        assert await buckets.take("qr:late") == 0
    now[0] = 1.0
    assert await buckets.take("qr:late") == 0  # a lease of 4: 3 of it left unspent
    assert await _tokens(session, "qr:late") == 10 - 1 - 2 - 4
    now[0] = 100.0  # long after: the 3 unspent tokens are dropped, the database is asked
    assert await buckets.take("qr:late") == 0
    assert await _tokens(session, "qr:late") == 10 - 1 - 2 - 4 - 1  # a fresh lease of 1


async def test_requests_waiting_for_a_lease_share_one_fetch(
    sessions: async_sessionmaker[AsyncSession], count_statements: StatementCounter,
) -> None:
    buckets = TokenBuckets(sessions=sessions, per_minute=SLOW, burst=3, lease_tokens=8)
    waits = await asyncio.gather(*(buckets.take("qr:rush") for _ in range(20)))
    # the burst of 3 granted, the rest refused, and no request asked on its own
    assert sorted(w == 0 for w in waits).count(True) == 3
    assert _takes(count_statements) <= 6
