"""Fixtures: the same tests on SpatiaLite and on a real PostGIS cluster started here."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from api import migrations
from api.app import create_app
from api.db import make_async_engine, make_session_factory
from api.settings import AuthSettings, DatabaseSettings, MediaSettings, ServerSettings, Settings
from core.row_reads import RowReads
from geo.demo import load_demo
from media.store import LocalStore, MediaStore, S3Store
from tests.postgis_cluster import PostgisCluster

BACKENDS = [b.strip() for b in os.environ.get("TOURISM_TEST_BACKENDS",
                                               "sqlite,postgis").split(",") if b.strip()]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    cluster = PostgisCluster().start()  # a cluster that cannot start fails the run, never skips
    try:
        yield cluster.url
    finally:
        cluster.stop()


async def _seed(url: str) -> None:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await load_demo(session=session)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> str:
    """A migrated database holding the demo data, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tourism.sqlite'}"
    elif request.param == "postgis":
        url = request.getfixturevalue("postgis_url")
    else:
        raise ValueError(f"unknown backend {request.param}")
    migrations.upgrade(url)
    asyncio.run(_seed(url))
    return url


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgis"


@pytest.fixture
async def connection(database_url: str) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    engine = make_async_engine(database_url, poolclass=NullPool)
    if database_url.startswith("sqlite"):
        # pysqlite starts transactions lazily, so a session's RELEASE SAVEPOINT (its commit)
        # would commit for real: begin explicitly, and the final rollback undoes everything.
        event.listen(engine.sync_engine, "connect",
                     lambda dbapi, _record: setattr(dbapi, "isolation_level", None))
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()
    await engine.dispose()


@pytest.fixture
async def row_reads(database_url: str) -> AsyncIterator[RowReads | None]:
    """The reader of rows a server on PostGIS gives its hot reads (core.row_reads), on the
    seeded database; None on SQLite, where those reads run on the request's session."""
    if database_url.startswith("sqlite"):
        yield None
        return
    reads = RowReads(make_url(database_url), size=2)
    try:
        yield reads
    finally:
        await reads.close()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(server=ServerSettings(env="development", public_base_url="http://testserver"),
                    auth=AuthSettings(secret_key=TEST_SECRET),
                    db=DatabaseSettings(url="sqlite:///unused.sqlite"),
                    media=MediaSettings(url=f"file://{tmp_path}/media"))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Store:
    """A fresh bucket on the moto server, behind the service's S3 store."""
    import uuid

    import boto3
    from botocore.config import Config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="ap-southeast-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(signature_version="s3v4"))
    bucket = f"tourism-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": "ap-southeast-1"})
    return S3Store(bucket, "media", client=client)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    """The media store on a local folder, then on S3 over HTTP (a module may define its own)."""
    if request.param == "local":
        return LocalStore(tmp_path / "media", public_base_url="http://testserver",
                          secret_key="k" * 40)
    s3: S3Store = request.getfixturevalue("s3_store")
    return s3


@pytest.fixture
async def client(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class StatementCounter:
    """Counts the SQL statements a connection executes. The rate limiter's (one autocommit
    statement per take in production, inside a savepoint here) are kept apart in `limiter`:
    these counts are about what the resolvers ask."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.parameters: list[Any] = []
        self.limiter: list[str] = []
        self._limiter_savepoint = False

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                 *args: Any) -> None:
        if "rate_bucket" in statement:
            if self.statements and self.statements[-1].startswith("SAVEPOINT"):
                self.limiter.append(self.statements.pop())
                self.parameters.pop()
                self._limiter_savepoint = True
            self.limiter.append(statement)
            return
        if self._limiter_savepoint and statement.startswith("RELEASE SAVEPOINT"):
            self._limiter_savepoint = False
            self.limiter.append(statement)
            return
        self.statements.append(statement)
        self.parameters.append(parameters)

    @property
    def count(self) -> int:
        return len(self.statements)


async def query_plans(connection: AsyncConnection, backend: str,
                      counter: StatementCounter) -> list[str]:
    """The plans of the SELECT statements a counter saw, as the backend explains them."""
    statements = [(s, p) for s, p in zip(counter.statements, counter.parameters, strict=True)
                  if s.lstrip().upper().startswith("SELECT")]
    assert statements
    prefix = "EXPLAIN " if backend == "postgis" else "EXPLAIN QUERY PLAN "
    plans = []
    for statement, parameters in statements:
        rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
        plans.append("\n".join(str(r[-1]) for r in rows))
    return plans


@pytest.fixture
def count_statements(connection: AsyncConnection) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    target = connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(target, "before_cursor_execute", counter)


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POSTs a GraphQL operation and gives the JSON answer (asserting it is not a 500)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers=headers or {})
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


ROOT = Path(__file__).resolve().parent.parent
