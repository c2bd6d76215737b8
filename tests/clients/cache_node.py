"""The real client libraries (Apollo Client 4, urql 6 from node_modules) run as Node scripts
against the app on a live loopback server, one per database backend."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from tests.api.test_hardening import settings_for
from tests.conftest import ROOT
from tests.live import serving

HERE = Path(__file__).resolve().parent


@pytest.fixture
def graphql_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """The GraphQL endpoint of the app on a real uvicorn server over the demo data."""
    settings = settings_for(tmp_path, database_url=database_url,
                            client_per_minute=100_000, client_burst=100_000)
    with serving(create_app(settings)) as url:
        yield f"{url}/graphql"


def run_node(script: str, graphql_url: str, *args: Any) -> Any:
    """What a scenario of a Node script printed, as JSON; its stderr when it fails."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the client tests (make test installs it)"
    assert (ROOT / "node_modules" / "@apollo" / "client").is_dir(), "run npm ci first"
    done = subprocess.run(
        [node, str(HERE / script), *(a if isinstance(a, str) else json.dumps(a) for a in args)],
        env={"PATH": str(Path(node).parent), "TOURISM_GRAPHQL_URL": graphql_url,
             "NODE_ENV": "test"},
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)
