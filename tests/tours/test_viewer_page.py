"""The viewer page in headless Chromium, served by the real app over HTTP, with the demo tours."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api import migrations
from api.app import create_app
from api.db import make_async_engine
from api.types.common import to_global_id
from geo.demo import load_demo
from media.store import LocalStore
from tests.conftest import TEST_SECRET
from tests.live import free_port, live_settings, serving
from tours.demo import load_demo_tours
from tours.models import Scene, Tour

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                  "--window-size=1024,768", "--virtual-time-budget=15000"]




async def _prepare(url: str, store: LocalStore) -> dict[str, int]:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await load_demo(session=session)
            assert await load_demo_tours(session=session, store=store, width=1024) == 2
            await session.commit()
            tours = {t.slug: t.id for t in (await session.execute(select(Tour))).scalars()}
            second = (await session.execute(select(Scene).where(
                Scene.tour_id == tours["chua-ba-thien-hau-360"], Scene.position == 1))
                      ).scalar_one()
            tours["scene"] = second.id
            return tours
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    folder = tmp_path_factory.mktemp("viewer")
    url = f"sqlite:///{folder / 'viewer.sqlite'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    migrations.upgrade(url)
    store = LocalStore(folder / "media", public_base_url=base, secret_key=TEST_SECRET)
    ids = asyncio.run(_prepare(url, store))
    with serving(create_app(live_settings(base, url, folder)), port=port):
        yield base, ids


def load_in_chromium(url: str, profile: Path) -> tuple[str, list[str]]:
    """The DOM after the page ran, and the console messages Chromium logged."""
    run = subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def page_problems(dom: str, console: list[str]) -> list[str]:
    """What is wrong with a loaded viewer page (empty when it works)."""
    problems = [line for line in console
                if re.search(r"error|uncaught|failed", line, re.IGNORECASE)]
    error = re.search(r'data-error="([^"]*)"', dom)
    if error:
        problems.append(f"viewer error: {error.group(1)}")
    if not re.search(r'<body[^>]*data-loaded="scene-\d+"', dom):
        problems.append("the panorama never finished loading")
    return problems


@pytest.mark.parametrize("slug", ["chua-ba-thien-hau-360", "khu-di-tich-kim-lien-360"])
def test_demo_tours_open_in_pannellum_without_console_errors(
        served: tuple[str, dict[str, int]], tmp_path: Path, slug: str) -> None:
    base, ids = served
    dom, console = load_in_chromium(f"{base}/tours/{ids[slug]}", tmp_path / "profile")
    assert page_problems(dom, console) == []
    assert 'class="pnlm-container' in dom or "pnlm-render-container" in dom
    assert dom.count("data-scene=") >= 3  # the scene list


def test_a_qr_viewpoint_link_opens_its_scene(served: tuple[str, dict[str, int]],
                                            tmp_path: Path) -> None:
    base, ids = served
    tour = to_global_id("Tour", ids["chua-ba-thien-hau-360"])
    scene = to_global_id("Scene", ids["scene"])
    dom, console = load_in_chromium(f"{base}/tours/{tour}?scene={scene}&yaw=30&pitch=0&hfov=75",
                                    tmp_path / "profile")
    assert page_problems(dom, console) == []
    assert f'data-loaded="scene-{ids["scene"]}"' in dom


def test_a_broken_page_is_noticed(served: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    base, ids = served
    # The same page with the viewer's script missing: Pannellum is undefined.
    html = httpx.get(f"{base}/tours/{ids['chua-ba-thien-hau-360']}").text
    broken = tmp_path / "broken.html"
    broken.write_text(html.replace("/assets/pannellum/pannellum.js", f"{base}/assets/missing.js")
                      .replace('src="/assets/tour-viewer.js"',
                               f'src="{base}/assets/tour-viewer.js"'))
    dom, console = load_in_chromium(broken.as_uri(), tmp_path / "profile")
    assert page_problems(dom, console) != []


def test_unknown_tours_answer_404(served: tuple[str, dict[str, int]]) -> None:
    base, _ = served
    assert httpx.get(f"{base}/tours/999999").status_code == 404
    assert httpx.get(f"{base}/tours/not-an-id").status_code == 404
    assert httpx.get(f"{base}/assets/pannellum/pannellum.js").status_code == 200
    assert httpx.get(f"{base}/assets/marzipano/marzipano.js").status_code == 200
    assert httpx.get(f"{base}/assets/../../etc/passwd").status_code == 404


def test_the_page_runs_no_inline_script_and_its_files_are_served(
        served: tuple[str, dict[str, int]]) -> None:
    base, ids = served
    html = httpx.get(f"{base}/tours/{ids['chua-ba-thien-hau-360']}").text
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert "<style" not in html and "style=" not in html
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert "/assets/tour-viewer.js" in assets and "/assets/tour-viewer.css" in assets
    assert all(httpx.get(f"{base}{asset}").status_code == 200 for asset in assets)
