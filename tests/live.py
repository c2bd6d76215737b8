"""The app on a real uvicorn server on a loopback port, for tests that need real concurrency
or a real browser: its settings, and a database of its own (the server commits)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.types import ASGIApp

from api.db import make_sync_engine
from api.settings import AuthSettings, DatabaseSettings, MediaSettings, ServerSettings, Settings
from tests.conftest import TEST_SECRET


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: ASGIApp, *, port: int | None = None) -> Iterator[str]:
    """Serves the app in a thread until the block ends (on `port`, or a free one); gives its
    base URL."""
    port = port or free_port()
    # keep-alive longer than any pause of a loaded test machine: past uvicorn's 5 s a server
    # closes a pooled connection just as a starved client sends on it (httpx.ReadError)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on",
                                           timeout_keep_alive=60))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def live_settings(base: str, database_url: str, folder: Path) -> Settings:
    """Development settings of the app served at `base`, its media in `folder`/media."""
    return Settings(server=ServerSettings(env="development", public_base_url=base),
                    auth=AuthSettings(secret_key=TEST_SECRET),
                    db=DatabaseSettings(url=database_url),
                    media=MediaSettings(url=f"file://{folder}/media"))


@contextmanager
def own_database(request: pytest.FixtureRequest, backend: str, name: str, folder: Path
                 ) -> Iterator[str]:
    """The URL of an empty database of its own on `backend` ("sqlite": a file in `folder`;
    "postgis": database `name` in the session's cluster, dropped at the end)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.sqlite'}"
        return
    cluster = request.getfixturevalue("postgis_url")
    admin = make_sync_engine(cluster, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield cluster.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        admin.dispose()
