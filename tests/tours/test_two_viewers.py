"""Pannellum 2.5.7 and Marzipano 0.10.2 (from node_modules, served by the app) show the same
scene of a demo tour the same way in headless Chromium: each hotspot on the same pixel, the
same horizontal field of view, on a landscape desktop and a portrait phone, and after a
resize; and the demo's QR viewpoint opens its own scene in both. Both databases."""

from __future__ import annotations

import asyncio
import json
import math
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api import migrations
from api.app import create_app
from api.db import make_async_engine
from geo.demo import load_demo
from media.store import LocalStore
from qr.demo import load_demo_guides
from tests.conftest import BACKENDS, TEST_SECRET
from tests.live import free_port, live_settings, own_database, serving
from tours.demo import load_demo_tours
from tours.models import Hotspot, Scene, Tour

DRIVER = Path(__file__).resolve().parent / "two_viewers.js"
VIEWERS = ["pannellum", "marzipano"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PIXELS = 2.0  # how far apart the two viewers may put one hotspot
DEGREES = 0.2  # how far apart their horizontal fields of view may be


@dataclass(frozen=True)
class DemoSite:
    """The served demo: the Chùa Bà Thiên Hậu tour, its gate scene and its hotspots."""

    base: str
    tour_id: int
    gate: Scene
    main_hall: Scene
    hotspots: dict[str, Hotspot]  # by their key in the viewer configurations


async def _prepare(url: str, store: LocalStore) -> tuple[int, Scene, Scene, dict[str, Hotspot]]:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await load_demo(session=session)
            assert await load_demo_tours(session=session, store=store, width=1024) == 2
            await load_demo_guides(session=session, store=store)
            await session.commit()
            tour = (await session.execute(
                select(Tour).where(Tour.slug == "chua-ba-thien-hau-360"))).scalar_one()
            scenes = list((await session.execute(select(Scene).where(
                Scene.tour_id == tour.id).order_by(Scene.position))).scalars())
            main_hall = next(s for s in scenes if s.title["en"] == "Main hall")
            spots = (await session.execute(
                select(Hotspot).where(Hotspot.scene_id == scenes[0].id))).scalars()
            return tour.id, scenes[0], main_hall, {f"hotspot-{h.id}": h for h in spots}
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def demo_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[DemoSite]:
    """The demo data in a database of its own (the live server commits), served over HTTP."""
    folder = tmp_path_factory.mktemp("two-viewers")
    with own_database(request, request.param, "two_viewers", folder) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        migrations.upgrade(url)
        store = LocalStore(folder / "media", public_base_url=base, secret_key=TEST_SECRET)
        tour_id, gate, main_hall, spots = asyncio.run(_prepare(url, store))
        with serving(create_app(live_settings(base, url, folder)), port=port):
            yield DemoSite(base, tour_id, gate, main_hall, spots)


def shown_in_chromium(url: str, viewports: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """What each viewer shows of a page at each viewport (see two_viewers.js), by viewer."""
    asked = {"url": url, "viewers": VIEWERS, "viewports": viewports}
    run = subprocess.run(["node", str(DRIVER), json.dumps(asked)], capture_output=True,
                         text=True, timeout=300, cwd=DRIVER.parent)
    assert run.returncode == 0, run.stderr
    found: dict[str, list[Any]] = {name: [] for name in VIEWERS}
    for page in json.loads(run.stdout):
        assert page["console"] == [], (page["viewer"], page["console"])
        for view in page["shown"]:
            assert "error" not in view, (page["viewer"], view)
        found[page["viewer"]] += page["shown"]
    return found


SIZES = ["1280x800", "1280x800 resized to 390x844", "390x844"]
LANDED = "390x844, the gate's link clicked"


@pytest.fixture(scope="module")
def all_views(demo_site: DemoSite) -> dict[str, dict[str, Any]]:
    """By viewer, then by SIZES (the gate scene at 1280×800, resized to 390×844, and at
    390×844 from the start) and LANDED (the scene the gate's link leads to)."""
    link = next(key for key, h in demo_site.hotspots.items() if h.kind == "scene")
    target = f"scene-{demo_site.hotspots[link].target_scene_id}"
    shown = shown_in_chromium(f"{demo_site.base}/tours/{demo_site.tour_id}", [
        {**DESKTOP, "then": PHONE}, {**PHONE, "click": {"hotspot": link, "scene": target}}])
    return {name: dict(zip([*SIZES, LANDED], views, strict=True))
            for name, views in shown.items()}


@pytest.fixture(scope="module")
def gate_views(all_views: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """The gate scene in each viewer, in the order of SIZES."""
    return {name: [views[size] for size in SIZES] for name, views in all_views.items()}


def offsets(views: dict[str, dict[str, Any]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Marzipano's hotspot positions minus Pannellum's (px), by viewport and hotspot."""
    found = {}
    for size, pannellum in views["pannellum"].items():
        marzipano = views["marzipano"][size]
        assert pannellum["hotspots"].keys() == marzipano["hotspots"].keys(), size
        found[size] = {key: (marzipano["hotspots"][key]["x"] - spot["x"],
                             marzipano["hotspots"][key]["y"] - spot["y"])
                       for key, spot in pannellum["hotspots"].items()}
    return found


def test_both_viewers_show_the_gate_scene_and_its_hotspots(
        demo_site: DemoSite, gate_views: dict[str, list[Any]]) -> None:
    for name in VIEWERS:
        for view in gate_views[name]:
            assert view["scene"] == f"scene-{demo_site.gate.id}", name
            # both hotspots of the gate are in front at yaw 0 and 100° across
            assert view["hotspots"].keys() == demo_site.hotspots.keys(), (name, view)


def test_each_hotspot_lands_on_the_same_pixel_in_both_viewers(
        all_views: dict[str, dict[str, Any]]) -> None:
    found = offsets(all_views)
    far = {size: spots for size, spots in found.items()
           if any(abs(dx) > PIXELS or abs(dy) > PIXELS for dx, dy in spots.values())}
    assert far == {}, f"Marzipano − Pannellum (px): {found}"


def test_hotspots_sit_where_the_projection_puts_them(
        demo_site: DemoSite, gate_views: dict[str, list[Any]]) -> None:
    """Above the horizon for a positive pitch, below for a negative one, in both viewers, at
    the pixel a rectilinear view of the scene's yaw, pitch 0 and hfov puts them."""
    for name in VIEWERS:
        for view in gate_views[name]:
            width, height = view["view"]["width"], view["view"]["height"]
            focal = width / 2 / math.tan(math.radians(demo_site.gate.initial_hfov) / 2)
            for key, spot in view["hotspots"].items():
                hotspot = demo_site.hotspots[key]
                turn = math.radians(hotspot.yaw - demo_site.gate.initial_yaw)
                x = width / 2 + focal * math.tan(turn)
                y = height / 2 - focal * math.tan(math.radians(hotspot.pitch)) / math.cos(turn)
                assert (spot["y"] < height / 2) == (hotspot.pitch > 0), (name, key, spot)
                assert abs(spot["x"] - x) <= PIXELS and abs(spot["y"] - y) <= PIXELS, (
                    name, width, height, key, spot, (x, y))


def test_both_viewers_show_the_scenes_horizontal_field_of_view_at_any_aspect(
        demo_site: DemoSite, gate_views: dict[str, list[Any]]) -> None:
    """From each viewer's API (Pannellum's getHfov, Marzipano's vertical fov converted with
    its size), and from where two hotspots of known yaw land."""
    hfov = demo_site.gate.initial_hfov
    for name in VIEWERS:
        for size, view in zip(SIZES, gate_views[name], strict=True):
            assert view["view"]["pitch"] == pytest.approx(0, abs=1e-6)
            assert view["view"]["hfov"] == pytest.approx(hfov, abs=DEGREES), (name, size)
            (a, spot_a), (b, spot_b) = sorted(view["hotspots"].items())
            tan_a = math.tan(math.radians(demo_site.hotspots[a].yaw - view["view"]["yaw"]))
            tan_b = math.tan(math.radians(demo_site.hotspots[b].yaw - view["view"]["yaw"]))
            focal = (spot_a["x"] - spot_b["x"]) / (tan_a - tan_b)
            across = math.degrees(2 * math.atan(view["view"]["width"] / 2 / focal))
            assert across == pytest.approx(hfov, abs=DEGREES), (name, size, across)


def test_a_link_lands_on_its_target_view_in_both_viewers(
        demo_site: DemoSite, all_views: dict[str, dict[str, Any]]) -> None:
    link = next(h for h in demo_site.hotspots.values() if h.kind == "scene")
    assert link.target_yaw is not None and link.target_pitch is not None
    for name in VIEWERS:
        landed = all_views[name][LANDED]
        assert landed["scene"] == f"scene-{link.target_scene_id}", name
        assert landed["hotspots"], name  # the way back, at least
        assert landed["view"]["yaw"] == pytest.approx(link.target_yaw, abs=0.01), name
        assert landed["view"]["pitch"] == pytest.approx(link.target_pitch, abs=0.01), name


def test_the_main_hall_code_opens_the_main_hall_scene_in_both_viewers(
        demo_site: DemoSite) -> None:
    page = httpx.get(f"{demo_site.base}/q/THAU23", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    links = re.findall(r'href="(/tours/[^"]+)"', page.text)
    assert len(links) == 1, links
    link = links[0].replace("&amp;", "&")
    views = shown_in_chromium(f"{demo_site.base}{link}", [PHONE])
    asked = dict(re.findall(r"[?&](yaw|pitch|hfov)=([^&]+)", link))
    for name in VIEWERS:
        (view,) = views[name]
        assert view["scene"] == f"scene-{demo_site.main_hall.id}", (name, view["scene"])
        for angle in ("yaw", "pitch", "hfov"):
            assert view["view"][angle] == pytest.approx(float(asked[angle]), abs=0.01), name
