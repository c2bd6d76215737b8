"""`tourism serve` takes the client address from X-Forwarded-For only when the settings trust
a proxy: a rotating header does not buy a client a fresh rate-limit bucket per request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api.db import make_async_engine
from qr.models import QrCode, TargetKind
from qr.service import QrTarget, create_qr_code
from tests.conftest import TEST_SECRET
from tests.live import free_port
from tests.qr.conftest import STAFF

QUERY = {"query": "{ destinations(first: 1) { edges { node { id } } } }"}
BURST = 3


@contextmanager
def tourism_serve(database_url: str, tmp_path: Path, *, trusted: bool,
                  port: int | None = None) -> Iterator[str]:
    """The `tourism serve` command as a deployer runs it, on a loopback port (its standard
    error in tmp_path/serve.err once it has stopped)."""
    port = port or free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "TOURISM_PUBLIC_BASE_URL"}
    env = {**inherited, "TOURISM_DATABASE_URL": database_url, "TOURISM_SECRET_KEY": TEST_SECRET,
           "TOURISM_MEDIA_URL": f"file://{tmp_path}/media",
           "TOURISM_RATE_LIMIT_CLIENT_BURST": str(BURST),
           "TOURISM_RATE_LIMIT_CLIENT_PER_MINUTE": "1",
           "TOURISM_TRUST_FORWARDED_FOR": "true" if trusted else "false"}
    command = [str(Path(sys.executable).with_name("tourism")), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            process.kill()
            raise AssertionError(process.communicate()[1].decode()[-2000:])
        yield url
    finally:
        process.terminate()
        (tmp_path / "serve.err").write_bytes(process.communicate(timeout=20)[1])


@pytest.mark.parametrize("trusted", [False, True])
def test_a_rotating_forwarded_for_buys_no_bucket_unless_trusted(
        database_url: str, tmp_path: Path, trusted: bool) -> None:
    with tourism_serve(database_url, tmp_path, trusted=trusted) as url, httpx.Client(
            base_url=url, timeout=10) as client:
        statuses = [client.post("/graphql", json=QUERY,
                                headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                    for i in range(2 * BURST)]
    if trusted:  # behind a proxy: each forwarded address is a client of its own
        assert statuses == [200] * (2 * BURST)
    else:  # the socket peer is the client, whatever the header says
        assert statuses == [200] * BURST + [429] * BURST


async def test_qr_codes_follow_the_port_served_on_and_a_loopback_address_is_warned_of(
        database_url: str, tmp_path: Path) -> None:
    engine = make_async_engine(database_url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        qr = await create_qr_code(session=session, actor=STAFF,
                                  target=QrTarget(kind=TargetKind.DESTINATION, id=1))
        await session.commit()
    try:
        port = free_port()
        # trusted, with an address of its own: the buckets of 127.0.0.1 are spent above
        with tourism_serve(database_url, tmp_path, trusted=True, port=port) as url:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = (await client.post(f"{url}/graphql", json={
                    "query": f'{{ qrCode(code: "{qr.code}") {{ url }} }}'},
                    headers={"X-Forwarded-For": "192.0.2.77"})).json()
        assert answer["data"]["qrCode"]["url"] == f"http://127.0.0.1:{port}/q/{qr.code}"
        assert "warning: QR codes encode" in (tmp_path / "serve.err").read_text()
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(QrCode).where(QrCode.id == qr.id))
            await session.commit()
        await engine.dispose()
