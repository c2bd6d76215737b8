"""Rows of Core statements read on PostgreSQL straight through asyncpg: the hot reads' way
to the database (api/fastpath.py's pages of rows), without a session, a SQLAlchemy
connection or psycopg's per-statement work around them.

A statement is compiled once for asyncpg (kept statements, geo/nearest.kept, are one object
per shape: one compile each), then runs as a prepared statement of asyncpg's cache on
connections of this reader's own (RowReads): read-only, in autocommit, under the engine's
statement timeout. Rows are asyncpg records whose columns are attributes too, as on
SQLAlchemy's rows; JSON columns decode with orjson, as the engine's do.

A failure to reach the database (a refused, lost or rejected connection) is raised as
DatabaseUnreachable, a ConnectionError: api/errors.is_unavailable answers it as an outage.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

#: Compiled statements kept (least recently used first out).
KEPT = 256
#: Seconds an idle connection is kept before it is opened afresh (the engine's pool_recycle).
RECYCLE_S = 600.0
_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
#: What means the database cannot be reached, rather than that a statement failed.
_UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
                asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
                asyncpg.TooManyConnectionsError)


class DatabaseUnreachable(ConnectionError):
    """The hot reads' database could not be reached (the cause says how)."""


def _unreachable(cause: BaseException) -> DatabaseUnreachable:
    return DatabaseUnreachable(f"the database cannot be reached ({type(cause).__name__})")


class Row(asyncpg.Record):  # type: ignore[misc]  # asyncpg ships no types
    """A row whose columns are attributes too, as on SQLAlchemy's rows."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    """Rows of a statement's columns, each column a property reading its place (no lookup
    by name: a page renders hundreds of them)."""
    places = {name: property(itemgetter(place)) for place, name in enumerate(names)
              if name.isidentifier() and not hasattr(Row, name)}
    return type("Row", (Row,), {"__slots__": (), **places})


@dataclass(frozen=True, slots=True)
class _Compiled:
    source: Any  # the statement, held: its id stays its own while it is kept here
    sql: str
    names: tuple[str, ...]  # each positional parameter's name
    values: dict[str, Any]  # the values the statement binds itself
    processors: tuple[Callable[[Any], Any] | None, ...]
    row: type[Row]  # the rows' class, its columns as properties


def _compile(stmt: Any) -> _Compiled:
    compiled = stmt.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    names = tuple(compiled.positiontup or ())
    processors = compiled._bind_processors  # the types' bind processors, by name
    selected = getattr(stmt, "selected_columns", None)
    return _Compiled(source=stmt, sql=compiled.string, names=names,
                     values=compiled.construct_params(),
                     processors=tuple(processors.get(name) for name in names),
                     row=Row if selected is None else _row_class(tuple(selected.keys())))


async def _json_codecs(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(name, schema="pg_catalog", decoder=orjson.loads,
                                        encoder=lambda value: orjson.dumps(value).decode())


class RowReads:
    """Reads of Core statements' rows on PostgreSQL, on connections of its own: at most
    `size` at once, the idle ones kept (last in, first out) and recycled after RECYCLE_S.

    Not asyncpg's pool: a read here is one statement outside any transaction, so there is
    nothing to reset between reads (its reset is a round trip per read), and a read that
    fails or is cancelled closes its connection rather than handing back one in doubt."""

    dialect_name = "postgresql"

    def __init__(self, url: URL, *, size: int, statement_timeout_ms: int = 0):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size
        self._settings = {"default_transaction_read_only": "on",
                          "application_name": "tourism-hot-reads"}
        if statement_timeout_ms:
            self._settings["statement_timeout"] = str(int(statement_timeout_ms))
        self._idle: list[tuple[float, asyncpg.Connection]] = []  # (opened at, connection)
        self._slots = asyncio.Semaphore(size)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kept: OrderedDict[int, _Compiled] = OrderedDict()
        #: Statements compiled and statements run (tests check that kept statements are
        #: compiled once and run many times).
        self.compiles = 0
        self.reads = 0

    def _compiled(self, stmt: Any) -> _Compiled:
        found = self._kept.get(id(stmt))
        if found is not None and found.source is stmt:
            self._kept.move_to_end(id(stmt))
            return found
        found = self._kept[id(stmt)] = _compile(stmt)
        self.compiles += 1
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return found

    def _here(self) -> None:
        """Connections belong to one event loop: another loop (a new one in tests) starts
        afresh, the old loop's connections dropped."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            for _, connection in self._idle:
                connection.terminate()
            self._idle, self._slots, self._loop = [], asyncio.Semaphore(self._size), loop

    async def _connection(self) -> tuple[float, asyncpg.Connection]:
        """(when it was opened, an idle connection, or a new one)."""
        now = time.monotonic()
        while self._idle:
            opened, connection = self._idle.pop()
            if now - opened < RECYCLE_S and not connection.is_closed():
                return opened, connection
            connection.terminate()  # before servers or proxies drop it
        connection = await asyncpg.connect(self._dsn, server_settings=self._settings)
        try:
            await _json_codecs(connection)
        except BaseException:
            connection.terminate()
            raise
        return now, connection

    async def rows(self, stmt: Any, params: Mapping[str, Any]) -> list[Row]:
        """The rows of a Core statement with these values of its named parameters."""
        compiled = self._compiled(stmt)
        self.reads += 1
        args = [compiled.values[name] if name not in params else params[name]
                for name in compiled.names]
        args = [value if process is None or value is None else process(value)
                for value, process in zip(args, compiled.processors, strict=True)]
        self._here()
        async with self._slots:
            try:
                opened, connection = await self._connection()
            except _UNREACHABLE as exc:
                raise _unreachable(exc) from exc
            try:
                rows: list[Row] = await connection.fetch(compiled.sql, *args,
                                                         record_class=compiled.row)
            except BaseException as exc:
                connection.terminate()  # failed or cancelled: never reused
                if isinstance(exc, _UNREACHABLE):
                    raise _unreachable(exc) from exc
                raise
            self._idle.append((opened, connection))
        return rows

    async def close(self) -> None:
        """Closes the idle connections (at shutdown)."""
        idle, self._idle = self._idle, []
        for _, connection in idle:
            await connection.close()


#: What a read of rows without ORM objects runs on: the reader, or the request's session.
RowSource = AsyncSession | RowReads

