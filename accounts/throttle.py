"""Who calls, how often: token buckets kept in the database, one row per key, so that every
process (every Lambda container) draws on the same buckets.

A take is one atomic statement, `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`,
that computes the refill with the database's clock: two processes cannot both spend the
last token (PostgreSQL locks the row and re-reads it; SQLite has one writer at a time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from sqlalchemy import Double, Table, bindparam, case, delete, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from accounts.models import RateBucket
from core.kept import kept
from core.upsert import upsert

MAX_KEY = 320


class EpochNow(FunctionElement[float]):
    """The database's clock in seconds since the epoch (sub-second precision)."""

    type = Double()
    inherit_cache = True


@compiles(EpochNow, "postgresql")
def _epoch_now_postgresql(element: EpochNow, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


@compiles(EpochNow, "sqlite")
def _epoch_now_sqlite(element: EpochNow, compiler: SQLCompiler, **kw: Any) -> str:
    return "((julianday('now') - 2440587.5) * 86400.0)"


@dataclass(frozen=True, slots=True)
class Bucket:
    """A kind of bucket: `burst` tokens at most, refilled at `per_minute` a minute."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        """Tokens added a second."""
        return self.per_minute / 60.0


@dataclass(frozen=True, slots=True)
class Take:
    """What a take found: whether the tokens were taken, what the bucket holds now, and the
    seconds until the cost would be there (0 when granted)."""

    granted: bool
    tokens: float
    retry_after: float


def _now(now: float | None) -> ColumnElement[float]:
    return literal(now, Double()) if now is not None else EpochNow()


#: The buckets' table: a take is a Core statement (no ORM bulk-insert step on the hot path).
_BUCKETS = cast(Table, RateBucket.__table__)
_COLUMNS = _BUCKETS.c


def _bound(name: str) -> Any:
    return bindparam(name, type_=Double())


def _refilled(now: ColumnElement[float]) -> ColumnElement[float]:
    """The row's tokens refilled up to `now` at `per_second`, at most the `burst` (a clock
    that went back refills nothing)."""
    elapsed = now - _COLUMNS.updated_at
    grown = _COLUMNS.tokens + case((elapsed > 0, elapsed), else_=0.0) * _bound("per_second")
    return case((grown > _bound("burst"), _bound("burst")), else_=grown)


def _take_statements(session: AsyncSession, *, bound_clock: bool) -> tuple[Any, Any]:
    """(the upsert that takes `cost` tokens and returns what is left, the select of what the
    bucket holds), the clock the database's or the bound `now`."""
    return kept((_take_statements, session.get_bind().dialect.name, bound_clock),
                partial(_made_take_statements, session, bound_clock))


def _made_take_statements(session: AsyncSession, bound_clock: bool) -> tuple[Any, Any]:
    clock = _bound("now") if bound_clock else EpochNow()
    cost, burst, rate = _bound("cost"), _bound("burst"), _bound("per_second")
    refilled = _refilled(clock)
    insert = upsert(session, _BUCKETS).values(
        key=bindparam("bucket_key"), tokens=burst - cost, updated_at=clock,
        full_at=clock + cost / rate)
    statement = insert.on_conflict_do_update(
        index_elements=[_COLUMNS.key],
        set_={"tokens": refilled - cost, "updated_at": clock,
              "full_at": clock + (burst - (refilled - cost)) / rate},
        where=refilled >= cost,
    ).returning(_COLUMNS.tokens)
    held = select(refilled).where(_COLUMNS.key == bindparam("bucket_key"))
    return statement, held


async def take(*, session: AsyncSession, bucket: Bucket, key: str, cost: float = 1.0,
               now: float | None = None) -> Take:
    """Takes `cost` tokens from the key's bucket if it holds them (not committed: one
    statement, atomic on its own; a refusal changes nothing). `now` replaces the database's
    clock (tests)."""
    if not 0 < cost <= bucket.burst:
        raise ValueError(f"a take costs between 0 and the burst ({bucket.burst}), not {cost}")
    statement, held_now = _take_statements(session, bound_clock=now is not None)
    values: dict[str, Any] = {"bucket_key": key[:MAX_KEY], "cost": float(cost),
                              "burst": float(bucket.burst), "per_second": bucket.per_second}
    if now is not None:
        values["now"] = float(now)
    left = (await session.execute(statement, values)).scalar_one_or_none()
    if left is not None:
        return Take(granted=True, tokens=float(left), retry_after=0.0)
    held = await session.scalar(held_now, values)
    tokens = float(held) if held is not None else 0.0
    return Take(granted=False, tokens=tokens,
                retry_after=max(0.0, cost - tokens) / bucket.per_second)


async def take_up_to(*, session: AsyncSession, bucket: Bucket, key: str, most: int,
                     now: float | None = None) -> tuple[int, Take]:
    """Takes `most` tokens, or every whole token the bucket holds when it holds fewer (a
    process leasing tokens for the requests to come); the number taken (0: refused) and the
    last take. One statement when the bucket holds `most`, at most four when it is running
    out; not committed."""
    most = max(1, min(most, bucket.burst))
    taken = await take(session=session, bucket=bucket, key=key, cost=most, now=now)
    if taken.granted:
        return most, taken
    held = math.floor(taken.tokens)
    if held < 1:
        return 0, taken
    again = await take(session=session, bucket=bucket, key=key, cost=held, now=now)
    return (held if again.granted else 0), again


async def forget(*, session: AsyncSession, key: str) -> None:
    """Empties the record of a key: its bucket is full again (a successful sign-in clears
    its failures); not committed."""
    await session.execute(delete(RateBucket).where(RateBucket.key == key[:MAX_KEY]))


async def prune(*, session: AsyncSession, now: float | None = None) -> int:
    """Deletes the rows of buckets that are full again (the same as no row); the number
    deleted, not committed."""
    result = await session.execute(delete(RateBucket).where(RateBucket.full_at < _now(now)))
    return int(getattr(result, "rowcount", 0) or 0)
