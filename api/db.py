"""Database engines: SpatiaLite (embedded default) or PostgreSQL + PostGIS, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import NullPool

from api.settings import DatabaseSettings

if TYPE_CHECKING:
    from core.row_reads import RowReads


class SpatialiteMissing(RuntimeError):
    """Raised when SQLite cannot load the SpatiaLite module."""


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite/SpatiaLite."""
    return url.startswith("sqlite")


def sync_url(url: str) -> str:
    """The URL for the synchronous driver (migrations, CLI, seeding)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL for the asynchronous driver used by the web app."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


_PRAGMAS = ("foreign_keys=ON", "busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL")


def _allow_extensions(dbapi_connection: Any, allowed: bool) -> None:
    # aiosqlite's adapter has no enable_load_extension: run it on the driver's connection.
    if isinstance(dbapi_connection, AdaptedConnection):
        dbapi_connection.run_async(lambda conn: conn.enable_load_extension(allowed))
    else:
        dbapi_connection.enable_load_extension(allowed)


def _spatialite_listener(module: str) -> Callable[[Any, Any], None]:
    """The "connect" listener of both SQLite engines (pysqlite and aiosqlite): loads the
    SpatiaLite module, then sets the pragmas. (geoalchemy2's load_spatialite needs
    SPATIALITE_LIBRARY_PATH, calls the sqlite3 API that the aiosqlite adapter lacks, and
    creates SpatiaLite's metadata tables, which the migrations create on purpose.)"""

    def load(dbapi_connection: Any, _record: Any) -> None:
        try:
            _allow_extensions(dbapi_connection, True)
        except AttributeError as exc:  # Python built without loadable SQLite extensions
            raise SpatialiteMissing(
                "this Python's sqlite3 cannot load extensions; use Debian's python3 (see README)"
            ) from exc
        cursor = dbapi_connection.cursor()
        try:
            try:
                cursor.execute("SELECT load_extension(?)", (module,))
            except Exception as exc:
                raise SpatialiteMissing(
                    f"cannot load {module}: install Debian's libsqlite3-mod-spatialite"
                ) from exc
            finally:
                _allow_extensions(dbapi_connection, False)
            for pragma in _PRAGMAS:
                cursor.execute(f"PRAGMA {pragma}")
        finally:
            cursor.close()

    return load


def _default_spatialite_module() -> str:
    return DatabaseSettings().spatialite_module  # read when an engine is made, not at import


def make_sync_engine(url: str, *, spatialite_module: str | None = None,
                     **kwargs: Any) -> Engine:
    """A synchronous engine; SpatiaLite is loaded on every new SQLite connection."""
    url = sync_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    _ensure_sqlite_folder(url)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect",
                 _spatialite_listener(spatialite_module or _default_spatialite_module()))
    return engine


def make_async_engine(
    url: str, *, pool_size: int = 5, statement_timeout_ms: int = 0,
    spatialite_module: str | None = None, **kwargs: Any
) -> AsyncEngine:
    """An asynchronous engine for the web app, made once per process (JSON read by orjson:
    a page of destinations decodes hundreds of JSON documents)."""
    url = async_url(url)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if not is_sqlite(url):
        connect_args: dict[str, Any] = {}
        if statement_timeout_ms:
            connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
        if kwargs.get("poolclass") is NullPool:
            return create_async_engine(url, connect_args=connect_args, **kwargs)
        # No pre-ping (a round trip per request); connections are recycled before servers or
        # proxies drop them, and a dropped one fails one request, which the client retries.
        # Up to 2 × pool_size, all kept: an overflow connection would be closed on its return
        # and opened again by the next busy moment (a connection set-up of the server's CPU).
        return create_async_engine(
            url, pool_size=2 * pool_size, max_overflow=0, pool_recycle=600,
            connect_args=connect_args, **kwargs,
        )
    _ensure_sqlite_folder(url)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "connect",
                 _spatialite_listener(spatialite_module or _default_spatialite_module()))
    return engine


def row_reads_for(engine: AsyncEngine, *, size: int, statement_timeout_ms: int = 0
                  ) -> RowReads | None:
    """The hot reads' reader of rows (core.row_reads) on an engine's database: on PostgreSQL
    with connections kept (a long-running server); None on SQLite, and with a connection per
    session (NullPool: Lambda), where those reads run on the request's session."""
    if engine.dialect.name != "postgresql" or isinstance(engine.pool, NullPool):
        return None
    from core.row_reads import RowReads  # asyncpg, which the tiler's artefact does without

    return RowReads(engine.url, size=size, statement_timeout_ms=statement_timeout_ms)


def pool_options(pool: str) -> dict[str, Any]:
    """The engine options of a `TOURISM_DB_POOL` mode: `null` opens a connection per session
    and closes it after (NullPool), `queue` keeps them (the default pool)."""
    return {"poolclass": NullPool} if pool == "null" else {}


class SerialSession(AsyncSession):
    """An AsyncSession whose operations take turns: GraphQL resolves sibling fields and
    dataloaders concurrently, and one session (one connection) must not be used at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Session.execute, one at a time."""
        async with self._turn:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        """Session.scalar, one at a time."""
        async with self._turn:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        """Session.get, one at a time."""
        async with self._turn:
            return await super().get(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        """Session.flush, one at a time."""
        async with self._turn:
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        """Session.commit, one at a time."""
        async with self._turn:
            await super().commit()

    async def rollback(self) -> None:
        """Session.rollback, one at a time."""
        async with self._turn:
            await super().rollback()


def make_session_factory(engine: AsyncEngine | AsyncConnection,
                         **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit and take turns on their connection."""
    return async_sessionmaker(engine, expire_on_commit=False, class_=SerialSession, **kwargs)


#: What makes a session for a write of one statement (an async_sessionmaker, or one that
#: takes turns): `async with statement_sessions() as session`.
StatementSessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class TakingTurns:
    """Sessions that one writer at a time holds in this process, from before their connection
    is checked out until it is returned: SQLite has one writer at a time, and writers that
    wait in its busy handler sleep for milliseconds."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self.sessions = sessions
        self.turn = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        """A session, once this process's other writes are done."""
        async with self.turn, self.sessions() as session:
            yield session


def make_statement_sessions(engine: AsyncEngine) -> StatementSessions:
    """Sessions for writes of one statement (a limiter's take, a batch of scan counts): in
    autocommit on PostgreSQL (no BEGIN and COMMIT round trips); on SQLite transactional
    (cheaper than switching aiosqlite's isolation level at each checkout), taking turns."""
    if is_sqlite(engine.url.drivername):
        return TakingTurns(make_session_factory(engine))
    return make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))
