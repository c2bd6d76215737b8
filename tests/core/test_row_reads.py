"""The hot reads' reader of rows on PostgreSQL (core.row_reads): the same rows as the
session's, each statement compiled once, read-only, under the statement timeout, and an
unreachable database told apart from a failed statement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import func, make_url, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import is_unavailable
from core.paging import PageRequest
from core.row_reads import DatabaseUnreachable, RowReads
from geo import spatial
from geo.geometry import BBox, GeoPoint
from geo.models import Destination
from geo.service import DestinationFilter

ON_POSTGIS = pytest.mark.parametrize("database_url", ["postgis"], indirect=True)
COLUMNS = frozenset({"name", "slug", "category", "lat", "lng", "heritage_ranking"})
HANOI, THU_DAU_MOT = GeoPoint(lat=21.03, lng=105.85), GeoPoint(lat=10.98, lng=106.65)


@pytest.fixture
async def reads(database_url: str) -> AsyncIterator[RowReads]:
    reader = RowReads(make_url(database_url), size=2)
    try:
        yield reader
    finally:
        await reader.close()


def _columns(row: object) -> dict[str, object]:
    return {key: getattr(row, key) for key in sorted(COLUMNS | {"id"})}


def _plain(rows: list[tuple[object, float]]) -> list[tuple[dict[str, object], float]]:
    return [(_columns(row), value) for row, value in rows]


@ON_POSTGIS
async def test_the_readers_rows_are_the_sessions_and_a_statement_compiles_once(
        reads: RowReads, session: AsyncSession) -> None:
    page = PageRequest(first=5, after=None)
    for near in (HANOI, THU_DAU_MOT):
        # given a nearby search, read by the session and by the reader
        theirs = await spatial.nearby_destinations(
            session=session, near=near, radius_m=200_000, flt=None, page=page, columns=COLUMNS)
        ours = await spatial.nearby_destinations(
            session=reads, near=near, radius_m=200_000, flt=None, page=page, columns=COLUMNS)
        # then the rows are the same, their columns attributes as on the session's rows
        assert theirs.items and _plain(ours.items) == _plain(theirs.items)
        first = ours.items[0][0]
        assert isinstance(first.name, dict) and first.name == theirs.items[0][0].name
        assert isinstance(first.lat, float)
    # and the second search reused the first one's statement, compiled once
    assert reads.compiles == 1
    # given an area narrowed by categories (a statement with a list of values)
    flt = DestinationFilter(categories=("temple", "museum", "historic_site"))
    box = BBox(west=102.0, south=8.0, east=110.0, north=24.0)
    area = {"bbox": box, "area": None, "flt": flt, "page": PageRequest(first=10, after=None),
            "columns": COLUMNS}
    theirs = await spatial.destinations_in_area(session=session, **area)  # type: ignore[arg-type]
    ours = await spatial.destinations_in_area(session=reads, **area)  # type: ignore[arg-type]
    assert [_columns(row) for row in ours.items] == [_columns(row) for row in theirs.items]
    assert ours.keys == theirs.keys and ours.has_next == theirs.has_next
    assert ours.items and {_columns(row)["category"] for row in ours.items} <= set(flt.categories)


@ON_POSTGIS
async def test_the_reader_writes_nothing(reads: RowReads, session: AsyncSession) -> None:
    published = select(func.count()).select_from(Destination).where(
        Destination.status == "published")
    before = (await session.execute(published)).scalar_one()
    # when a statement that writes is given to the reader
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await reads.rows(update(Destination).values(status="draft").returning(Destination.id),
                         {})
    # then its read-only transaction refused it, and nothing changed
    assert before > 0 and (await session.execute(published)).scalar_one() == before


@ON_POSTGIS
async def test_a_slow_statement_is_stopped_and_is_not_an_outage(database_url: str) -> None:
    reader = RowReads(make_url(database_url), size=1, statement_timeout_ms=50)
    try:
        with pytest.raises(asyncpg.QueryCanceledError) as stopped:
            await reader.rows(select(func.pg_sleep(2)), {})
    finally:
        await reader.close()
    assert not is_unavailable(stopped.value)


async def test_an_unreachable_database_is_an_outage() -> None:
    # given a reader of a database nothing listens for (port 9 on the loopback)
    reader = RowReads(make_url("postgresql://tourism@127.0.0.1:9/tourism"), size=1)
    try:
        with pytest.raises(DatabaseUnreachable) as failed:
            await reader.rows(select(func.now()), {})
    finally:
        await reader.close()
    # then it is what the API answers as SERVICE_UNAVAILABLE
    assert is_unavailable(failed.value) and isinstance(failed.value.__cause__, OSError)


@ON_POSTGIS
async def test_reads_at_once_share_at_most_size_connections(reads: RowReads) -> None:
    # given twelve reads at once on a reader of two connections
    backend = select(func.pg_backend_pid(), func.pg_sleep(0.05))
    found = await asyncio.gather(*[reads.rows(backend, {}) for _ in range(12)])
    # then each was answered, on at most two server processes, both kept for the next reads
    pids = {rows[0][0] for rows in found}
    assert len(found) == 12 and 1 <= len(pids) <= 2
    assert {connection.get_server_pid() for _, connection in reads._idle} == pids


@ON_POSTGIS
async def test_a_cancelled_read_closes_its_connection(reads: RowReads) -> None:
    # given a read stopped while the server still runs it
    backend = select(func.pg_backend_pid())
    (first,) = await reads.rows(backend, {})
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await reads.rows(select(func.pg_backend_pid(), func.pg_sleep(2)), {})
    # then its connection is not handed to the next read, which is answered on a new one
    (after,) = await reads.rows(backend, {})
    assert after[0] != first[0] and len(reads._idle) == 1
