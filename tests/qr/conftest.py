"""Helpers of the audio-guide tests: a staff actor, a demo stop with narrations and a code,
real decoders (zbarimg) and headless Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from accounts.permissions import Actor, Role
from accounts.service import Caller
from api.app import create_app
from api.settings import Settings
from geo.models import Destination
from media.store import LocalStore, MediaStore
from qr.demo import demo_file
from qr.models import QrCode, TargetKind
from qr.service import QrTarget, create_qr_code
from qr.sheet import COLUMNS, LABEL_H, LABEL_W, MARGIN, ROWS
from tours import narrations, stops
from tours.models import Stop

STAFF = Actor(role=Role.EDITOR, account_id=1)
DATA = Path(__file__).resolve().parent / "data"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars"]


def data_file(name: str) -> bytes:
    """A committed test fixture file."""
    return (DATA / name).read_bytes()


def zbar(path: Path) -> list[str]:
    """Every QR symbol zbarimg decodes in an image, as text."""
    result = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                             str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.splitlines() if line]


def decode_labels(pages: list[Path], tmp_path: Path, dpi: int) -> list[str]:
    """Decodes each label on its own (zbar sometimes misses one of many symbols a page)."""
    px = dpi / 25.4
    decoded: list[str] = []
    for page in pages:
        with Image.open(page) as image:
            for i in range(COLUMNS * ROWS):
                x = MARGIN + (i % COLUMNS) * LABEL_W
                y = MARGIN + (i // COLUMNS) * LABEL_H
                crop = tmp_path / "label.png"
                image.crop((int(x * px), int(y * px), int((x + LABEL_W) * px),
                            int((y + LABEL_H) * px))).save(crop)
                decoded += zbar(crop)
    return decoded


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs headless Chromium with a fresh profile."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@dataclass
class GuideStop:
    """A stop of Chùa Bà Thiên Hậu with vi and en narrations and an enabled code."""

    stop: Stop
    code: str
    destination: Destination


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "media", public_base_url="http://testserver",
                      secret_key="k" * 40)


async def make_guide_stop(session: AsyncSession, store: MediaStore, *,
                          slug: str = "chua-ba-thien-hau") -> GuideStop:
    """Creates a stop with two narrations and a QR code (rolled back with the test)."""
    destination = (await session.execute(
        select(Destination).where(Destination.slug == slug))).scalar_one()
    stop = await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=destination.id,
        title={"vi": "Chính điện thờ Bà Thiên Hậu", "en": "Main hall of Lady Thien Hau"},
        text={"vi": "Tượng Bà ở gian giữa.", "en": "Her statue stands in the central bay."}))
    for lang in ("vi", "en"):
        await narrations.add_narration(
            session=session, store=store, actor=STAFF, stop_id=stop.id, lang=lang,
            audio=demo_file(f"chua-ba-thien-hau-2.{lang}.ogg"), content_type="audio/ogg",
            transcript=demo_file(f"chua-ba-thien-hau-2.{lang}.vtt").decode(),
            translation=stops.Translation.HUMAN)
    qr: QrCode = await create_qr_code(session=session, actor=STAFF,
                                      target=QrTarget(TargetKind.STOP, stop.id))
    await session.flush()
    return GuideStop(stop=stop, code=qr.code, destination=destination)


def as_staff(app: Any, actor: Actor = STAFF) -> Callable[..., Any]:
    """The app, with every request made by a staff account (as the auth middleware would)."""

    async def wrapped(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["caller"] = Caller(actor=actor)
        await app(scope, receive, send)

    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


@pytest.fixture
async def staff_client(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                       connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app whose every request is made by a staff account."""
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    transport = httpx.ASGITransport(app=as_staff(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
