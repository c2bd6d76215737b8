"""Done means: a printed code, read by a real decoder, opens a page that headless Chromium
shows with a playable narration in the asked language and its transcript."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy.pool import NullPool

from api import migrations
from api.db import make_async_engine
from api.seed import seed_all
from media.store import LocalStore
from tests.qr.conftest import chromium, decode_labels

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _seed(url: str, store: LocalStore) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await seed_all(session=session, store=store, if_empty=True)
            await session.commit()
    finally:
        await engine.dispose()


def test_printed_code_opens_a_playable_narration_in_chromium(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, TOURISM_DATABASE_URL=f"sqlite:///{tmp_path}/guide.sqlite",
               TOURISM_MEDIA_URL=f"file://{tmp_path}/media", TOURISM_PUBLIC_BASE_URL=base,
               TOURISM_SECRET_KEY="browser-test-secret-key-0123456789abcdef")
    migrations.upgrade(env["TOURISM_DATABASE_URL"])
    store = LocalStore(tmp_path / "media", public_base_url=base, secret_key="x" * 40)
    asyncio.run(_seed(env["TOURISM_DATABASE_URL"], store))
    tourism = str(Path(sys.executable).parent / "tourism")
    subprocess.run([tourism, "qr", "sheet", "chua-ba-thien-hau", "-o", str(tmp_path / "s.pdf")],
                   env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "s.pdf"),
                    str(tmp_path / "sheet")], check=True)
    urls = decode_labels(sorted(tmp_path.glob("sheet-*.png")), tmp_path, dpi=150)
    assert f"{base}/q/THAU23" in urls and all(u.startswith(f"{base}/q/") for u in urls)

    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--host",
                               "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        url = f"{base}/q/THAU23?lang=en"
        dom = chromium(tmp_path, "--dump-dom", "--virtual-time-budget=3000", url).stdout
        assert '<html lang="en">' in dom and "<audio controls" in dom
        assert "The main hall holds the statue of Lady Thien Hau." in dom
        assert '<a class="view" href="/tours/' in dom  # the demo tour's matching view
        shot = tmp_path / "page.png"
        chromium(tmp_path, f"--screenshot={shot}", "--window-size=360,900",
                 "--virtual-time-budget=3000", url)
        with Image.open(shot) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
            assert image.size == (360, 900)
            assert colours is None or len(colours) > 50  # text, player, buttons: not blank
        audio = dom.split('<source src="', 1)[1].split('"', 1)[0]
        part = httpx.get(audio, headers={"Range": "bytes=0-1023"})
        assert part.status_code == 206 and part.content[:4] == b"OggS"
        assert part.headers["content-range"].startswith("bytes 0-1023/")
    finally:
        server.terminate()
        server.wait(timeout=10)
