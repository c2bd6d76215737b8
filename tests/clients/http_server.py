"""The app on a live loopback server for the Node client scripts of tests/clients/http_*.mjs,
on each test database (demo data loaded), and the runner of those scripts."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.app import create_app
from api.settings import (
    AuthSettings,
    DatabaseSettings,
    LimitSettings,
    MediaSettings,
    ServerSettings,
    Settings,
)
from tests.conftest import ROOT, TEST_SECRET
from tests.live import free_port, serving

CLIENTS = Path(__file__).resolve().parent


@contextmanager
def live_server(database_url: str, folder: Path, *, cors_origins: tuple[str, ...] = (),
                port: int | None = None) -> Iterator[str]:
    """The development app served on loopback (rates high enough for a client's test run);
    gives its base URL."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(server=ServerSettings(env="development", public_base_url=base,
                                              cors_origins=list(cors_origins)),
                        auth=AuthSettings(secret_key=TEST_SECRET),
                        db=DatabaseSettings(url=database_url),
                        media=MediaSettings(url=f"file://{folder}/media"),
                        limits=LimitSettings(client_per_minute=100_000, client_burst=100_000))
    with serving(create_app(settings), port=port) as url:
        yield url


def run_node(script: str, *args: str, timeout: float = 180) -> Any:
    """Runs a Node script of tests/clients/ and gives the JSON of its last line of output."""
    node = shutil.which("node")
    assert node is not None, "node is missing: make test installs it (nodejs)"
    run = subprocess.run([node, str(CLIENTS / script), *args], capture_output=True, text=True,
                         timeout=timeout, cwd=ROOT)
    lines = run.stdout.strip().splitlines()
    assert lines, f"{script} printed nothing (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(lines[-1])
