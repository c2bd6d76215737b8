"""State that holds across containers: three API processes (uvicorn, loopback ports) stand for
three Lambda containers on one database. A client gets its burst once, not three times; a tour
group's 100 scans from one address are answered while a flood from another is refused, by
the three together, leases of tokens included; the sign-in throttle counts the failures of
every process; no scan is lost when every process is killed (SIGKILL) right after answering;
with `TOURISM_DB_POOL=null` an idle process holds no connection, and a request never holds
two at once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.db import make_async_engine
from api.ratelimit import LEASE_SECONDS, LEASE_TOKENS
from api.settings import (
    AuthSettings,
    DatabaseSettings,
    MediaSettings,
    QrSettings,
    ServerSettings,
    Settings,
)
from geo.models import Destination
from qr.models import QrCode, TargetKind, UsageCount
from qr.service import QrTarget, create_qr_code
from tests.conftest import ROOT, TEST_SECRET
from tests.live import free_port
from tests.qr.conftest import STAFF

#: The per-address GraphQL limit leases tokens (1, 2, 4... per container): its burst leaves
#: room for the sign-ins' six requests across three containers (1+1+1+2+2+2).
QR_BURST, CLIENT_BURST, LOGIN_FAILURES = 3, 12, 3
LOGIN = 'mutation { login(email: "%s", password: "not-the-password") { accessToken } }'
#: Small limits, to count every answer exactly.
SMALL_LIMITS = {"TOURISM_QR_BURST": str(QR_BURST), "TOURISM_QR_RATE_PER_MINUTE": "1",
                "TOURISM_RATE_LIMIT_CLIENT_BURST": str(CLIENT_BURST),
                "TOURISM_RATE_LIMIT_CLIENT_PER_MINUTE": "1",
                "TOURISM_LOGIN_FAILURES_PER_15_MIN": str(LOGIN_FAILURES)}


@dataclass
class Container:
    """One API process: its port, its process, its log."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def containers(database_url: str, tmp_path: Path, count: int = 3,
               limits: dict[str, str] | None = None) -> Iterator[list[Container]]:
    """`count` uvicorn processes of the app on one database, each in its own process group
    (killed at the end if the test has not killed them), with SMALL_LIMITS unless `limits`
    are given (`{}`: the defaults)."""
    app_name = f"shared-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOURISM_")}
    env.update({
        "TOURISM_DATABASE_URL": database_url, "TOURISM_MEDIA_URL": f"file://{tmp_path}/media",
        "TOURISM_SECRET_KEY": TEST_SECRET, "TOURISM_TRUST_FORWARDED_FOR": "true",
        "TOURISM_DB_POOL": "null", "PGAPPNAME": app_name,
        **(SMALL_LIMITS if limits is None else limits)})
    started: list[Container] = []
    try:
        for i in range(count):
            port, log = free_port(), tmp_path / f"api-{i}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1",
                     "--port", str(port), "--no-access-log", "--log-level", "warning"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            started.append(Container(port, process, log))
        deadline = time.monotonic() + 90
        for one in started:
            while True:
                assert one.process.poll() is None, one.log.read_text()[-2000:]
                assert time.monotonic() < deadline, one.log.read_text()[-2000:]
                try:
                    if httpx.get(f"{one.url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        yield started
    finally:
        for one in started:
            if one.process.poll() is None:
                os.killpg(one.process.pid, signal.SIGKILL)
                one.process.wait(timeout=10)


def _address() -> str:
    """A client address of its own (the buckets of the session's database outlive a test)."""
    n = uuid.uuid4().int
    return f"10.{n % 256}.{(n >> 8) % 256}.{(n >> 16) % 256}"


@pytest.fixture
async def printed_code(database_url: str) -> AsyncIterator[str]:
    """A QR code of a published destination, committed, deleted after the test (with its
    counts)."""
    engine = make_async_engine(database_url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            destination_id = (await session.execute(
                select(Destination.id).where(Destination.status == "published").limit(1)
            )).scalar_one()
            qr = await create_qr_code(session=session, actor=STAFF,
                                      target=QrTarget(TargetKind.DESTINATION, destination_id))
            await session.commit()
        yield qr.code
        async with AsyncSession(engine) as session:
            await session.execute(delete(UsageCount).where(UsageCount.qr_code_id == qr.id))
            await session.execute(delete(QrCode).where(QrCode.id == qr.id))
            await session.commit()
    finally:
        await engine.dispose()


async def _scans_counted(database_url: str, code: str) -> int:
    engine = make_async_engine(database_url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            return int(await session.scalar(
                select(func.coalesce(func.sum(UsageCount.count), 0))
                .join(QrCode, QrCode.id == UsageCount.qr_code_id).where(QrCode.code == code)))
    finally:
        await engine.dispose()


async def _idle_connections(database_url: str, app_name: str) -> int:
    engine = make_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": app_name})).scalar_one())
    finally:
        await engine.dispose()


async def test_a_client_gets_its_burst_once_not_once_per_container(
    database_url: str, tmp_path: Path, printed_code: str, backend: str,
) -> None:
    with containers(database_url, tmp_path) as three:
        async with httpx.AsyncClient(timeout=60) as client:
            # given one client address calling the three containers in turn, all at once
            graphql_from, scan_from = _address(), _address()

            async def graphql(i: int) -> httpx.Response:
                return await client.post(f"{three[i % 3].url}/graphql",
                                         json={"query": "{ __typename }"},
                                         headers={"X-Forwarded-For": graphql_from})

            async def scan(i: int) -> httpx.Response:
                return await client.get(f"{three[i % 3].url}/q/{printed_code}?lang=en",
                                        headers={"X-Forwarded-For": scan_from})

            answers = await asyncio.gather(*(graphql(i) for i in range(4 * CLIENT_BURST)))
            scans = await asyncio.gather(*(scan(i) for i in range(4 * QR_BURST)))
            # then the burst was granted once across the three, not once per container
            statuses = [a.status_code for a in answers]
            assert statuses.count(200) == CLIENT_BURST, statuses
            assert statuses.count(429) == 3 * CLIENT_BURST
            refused = next(a for a in answers if a.status_code == 429)
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert int(refused.headers["retry-after"]) >= 1
            assert [s.status_code for s in scans].count(200) == QR_BURST
            assert await _scans_counted(database_url, printed_code) == QR_BURST

            # and failed sign-ins for one e-mail from one address are counted by every
            # container together (the throttle is per address and e-mail)
            email = f"nobody-{uuid.uuid4().hex[:8]}@example.vn"
            guesser = _address()
            codes = []
            for i in range(LOGIN_FAILURES + 3):
                body = (await client.post(f"{three[i % 3].url}/graphql",
                                          json={"query": LOGIN % email},
                                          headers={"X-Forwarded-For": guesser})).json()
                codes.append(body["errors"][0]["extensions"]["code"])
            assert codes == (["INVALID_CREDENTIALS"] * LOGIN_FAILURES
                             + ["LOGIN_THROTTLED"] * 3)
        if backend == "postgis":  # TOURISM_DB_POOL=null: an idle container holds nothing
            app_name = _app_name_of(three[0])
            assert await _idle_connections(database_url, app_name) == 0


async def test_a_group_is_answered_and_a_flood_refused_by_the_containers_together(
    database_url: str, tmp_path: Path, printed_code: str,
) -> None:
    limits = QrSettings()  # the defaults, as deployed
    connections = httpx.Limits(max_connections=16)
    with containers(database_url, tmp_path, limits={}) as three:
        # given a tour group of 100 behind one address, phones of a few kinds
        group = _address()
        async with httpx.AsyncClient(timeout=60, limits=connections) as client:
            async def phone(i: int) -> int:
                answer = await client.get(f"{three[i % 3].url}/q/{printed_code}", headers={
                    "X-Forwarded-For": group, "User-Agent": f"phone-{i % 7}",
                    "Accept-Language": ("ko-KR", "vi-VN", "en-US", "ja-JP")[i % 4]})
                return answer.status_code

            # when the 100 scan at once, spread over the three containers
            statuses = await asyncio.gather(*(phone(i) for i in range(100)))
        # then every scan is answered, and counted once
        assert statuses == [200] * 100, statuses
        assert await _scans_counted(database_url, printed_code) == 100

        # given one client flooding the same code from another address (fresh connections:
        # none left idle past the servers' keep-alive)
        flooder = _address()
        async with httpx.AsyncClient(timeout=60, limits=connections) as client:
            async def flood(i: int) -> httpx.Response:
                return await client.get(f"{three[i % 3].url}/q/{printed_code}", headers={
                    "X-Forwarded-For": flooder, "Accept": "application/json"})

            started = time.monotonic()
            answers = await asyncio.gather(*(flood(i) for i in range(1000)))
            elapsed = time.monotonic() - started
    # then the three together answered its burst and a refill's worth, no more (a lease's
    # token is spent within LEASE_SECONDS of its take), and refused the rest
    answered = sum(a.status_code == 200 for a in answers)
    refused = [a for a in answers if a.status_code == 429]
    assert answered + len(refused) == 1000
    most = limits.burst + limits.rate_per_minute / 60 * (elapsed + LEASE_SECONDS)
    assert limits.burst - 3 * (LEASE_TOKENS - 1) <= answered <= most, (answered, elapsed)
    assert {a.json()["code"] for a in refused} == {"RATE_LIMITED"}
    assert await _scans_counted(database_url, printed_code) == 100 + answered


def _app_name_of(container: Container) -> str:
    environ = Path(f"/proc/{container.process.pid}/environ").read_bytes().split(b"\0")
    return next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"PGAPPNAME="))


async def test_no_scan_is_lost_when_every_container_is_killed_right_after_answering(
    database_url: str, tmp_path: Path, printed_code: str,
) -> None:
    with containers(database_url, tmp_path) as three:
        limits = httpx.Limits(max_connections=12)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            async def scan(i: int) -> int:  # 50 visitors, each from an address of their own
                answer = await client.get(f"{three[i % 3].url}/q/{printed_code}",
                                          headers={"X-Forwarded-For": _address(),
                                                   "Accept": "application/json"})
                return answer.status_code

            statuses = await asyncio.gather(*(scan(i) for i in range(50)))
        # the moment the last answer is in, every container is killed without warning
        for one in three:
            os.killpg(one.process.pid, signal.SIGKILL)
        for one in three:
            one.process.wait(timeout=10)
    assert statuses == [200] * 50
    assert await _scans_counted(database_url, printed_code) == 50


async def test_a_request_holds_one_connection_at_most(
    database_url: str, tmp_path: Path, printed_code: str,
) -> None:
    # given the app on its own engine without a pool, as on Lambda
    settings = Settings(server=ServerSettings(public_base_url="http://testserver",
                                              trust_forwarded_for=True),
                        db=DatabaseSettings(url=database_url, pool="null"),
                        auth=AuthSettings(secret_key=TEST_SECRET),
                        media=MediaSettings(url=f"file://{tmp_path}/media"))
    app = create_app(settings)
    engine = app.state.engine
    held = {"now": 0, "most": 0, "opened": 0}

    def checkout(*_args: Any) -> None:
        held["now"] += 1
        held["opened"] += 1
        held["most"] = max(held["most"], held["now"])

    def checkin(*_args: Any) -> None:
        held["now"] -= 1

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            headers = {"X-Forwarded-For": _address()}
            # when visitors and staff ask: a query, a scan, failed sign-ins in one document
            await c.post("/graphql", json={"query": "{ destinations(first: 2) { edges { node "
                                           "{ name } } } }"}, headers=headers)
            await c.get(f"/q/{printed_code}", headers=headers)
            email = f"nobody-{uuid.uuid4().hex[:8]}@example.vn"
            await c.post("/graphql", headers=headers, json={"query": "mutation { a: login("
                         f'email: "{email}", password: "x") {{ accessToken }} b: login(email: '
                         f'"{email}", password: "y") {{ accessToken }} }}'})
    finally:
        await engine.dispose()
    # then each request held one connection at a time, and none is held after
    assert held["opened"] >= 6 and held["most"] == 1 and held["now"] == 0
