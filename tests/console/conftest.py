"""The console on a real server, for walkthroughs in headless Chromium: a database of its own
per backend (the server commits), migrated, seeded, with an editor and two owners."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from accounts.service import create_account
from api import migrations
from api.app import create_app
from api.db import make_async_engine
from api.settings import (
    MailSettings,
    Settings,
)
from geo.demo import load_demo
from tests.accounts.helpers import PASSWORD
from tests.conftest import BACKENDS
from tests.live import free_port, live_settings, own_database, serving

HERE = Path(__file__).resolve().parent
EDITOR = "bien-tap@sovhttdl.example.vn"
OWNER_A = "chu-khach-san-a@example.vn"
OWNER_B = "chu-khach-san-b@example.vn"
ADMIN = "quan-tri@sovhttdl.example.vn"


@dataclass(frozen=True)
class LiveConsole:
    """A served app and what a walkthrough needs to know about it."""

    base_url: str
    database_url: str
    media: Path
    backend: str


async def _seed(url: str) -> None:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await load_demo(session=session)
            for email, role in ((EDITOR, "editor"), (OWNER_A, "owner"), (OWNER_B, "owner"),
                                (ADMIN, "admin")):
                await create_account(session=session, email=email, password=PASSWORD,
                                     role=role, display_name=email.split("@")[0])
            await session.commit()
    finally:
        await engine.dispose()


@contextmanager
def served_console(request: pytest.FixtureRequest, folder: Path, backend: str, *,
                   mail: MailSettings | None = None) -> Iterator[LiveConsole]:
    """The app served on loopback over a database of its own (sending e-mail with `mail`)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with own_database(request, backend, "console_walk", folder) as url:
        migrations.upgrade(url)
        asyncio.run(_seed(url))
        settings = live_settings(base_url, url, folder)
        if mail is not None:
            settings = settings.model_copy(update={"mail": mail})
        with serving(create_app(settings), port=port):
            yield LiveConsole(base_url, url, folder / "media", backend)


@pytest.fixture(scope="module", params=BACKENDS)
def live_console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[LiveConsole]:
    """The app served on loopback over a database of its own."""
    with served_console(request, tmp_path_factory.mktemp("console"), request.param) as live:
        yield live


def walk(script: str, live: LiveConsole, out: Path, **env: str) -> dict[str, Any]:
    """Runs a walkthrough (a Node script of this folder) and gives what it reported."""
    done = subprocess.run(["node", str(HERE / script)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "BASE_URL": live.base_url,
                                            "OUT_DIR": str(out), "EDITOR_EMAIL": EDITOR,
                                            "EDITOR_PASSWORD": PASSWORD, **env})
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(lines[-1])
    assert "error" not in result, result["error"]
    return result


class Inbox:
    """The messages a local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, _class=EmailMessage,
                                                policy=policy.default))
        return "250 OK"

    def links(self, to: str) -> list[str]:
        """The console links of the messages sent to an address, oldest first."""
        found = []
        for message in self.messages:
            if message["To"] == to:
                body = message.get_body(("plain",))
                assert body is not None
                found += re.findall(r"https?://\S+/console/\S+", body.get_content())
        return found


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server (aiosmtpd) on a loopback port, and what it received."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
async def mail_client(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                      connection: AsyncConnection, smtp: tuple[int, Inbox]
                      ) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the test's rolled-back connection, sending e-mail to the local server."""
    port, _inbox = smtp
    mailed = settings.model_copy(update={"mail": MailSettings(
        host="127.0.0.1", port=port, starttls=False, sender="console@sovhttdl.example.vn")})
    app = create_app(mailed, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client
