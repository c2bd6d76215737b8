"""In headless Chromium, in Vietnamese and in English, on both databases: an editor uploads a
panorama (a progress bar, then its ingest until READY), adds it as a scene, places a hotspot
by clicking in the real viewer, and the visitors' viewer shows that hotspot where the click
was, at the same view; every console page passes axe-core."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.types.common import int_key
from tests.console.conftest import LiveConsole, walk
from tests.media.panorama_images import direction_panorama, encoded

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"


def _site_id(base_url: str) -> str:
    query = '{ searchDestinations(text: "Chùa Bà Thiên Hậu") { edges { node { id slug } } } }'
    found = httpx.post(f"{base_url}/graphql", json={"query": query}).json()
    node = next(e["node"] for e in found["data"]["searchDestinations"]["edges"]
                if e["node"]["slug"] == "chua-ba-thien-hau")
    return str(int_key(node["id"], "Destination"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_hotspot_placed_by_a_click_is_where_the_visitor_sees_it(
        live_console: LiveConsole, lang: str, tmp_path: Path) -> None:
    image = tmp_path / "panorama.jpg"
    image.write_bytes(encoded(direction_panorama(1024 + (lang == "en") * 512), "JPEG"))
    result = walk("tours_walk.mjs", live_console, SCREENSHOTS / live_console.backend,
                  CONSOLE_LANG=lang, SLUG=f"chua-ba-360-{lang}", PANORAMA=str(image),
                  SITE_ID=_site_id(live_console.base_url))
    assert result["problems"] == []
    assert len(result["pages"]) == 7
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["storeUpload"].startswith(f"{live_console.base_url}/media-upload")
    sent = [s for s in steps["seen"] if s["value"] > 0]
    assert sent and sent[-1]["value"] == sent[-1]["max"] >= image.stat().st_size
    assert steps["status"] == ("Sẵn sàng" if lang == "vi" else "Ready")
    clicked, visitor = steps["clicked"], steps["visitor"]
    assert clicked["dragged"] == ""  # a drag places nothing
    assert abs(clicked["view"]["yaw"]) > 5  # the view is not the initial one
    assert float(clicked["angles"]["yaw"]) != 0 and float(clicked["angles"]["pitch"]) > 0
    assert abs(visitor["frame"]["width"] - clicked["box"]["width"]) < 1
    assert abs(visitor["frame"]["height"] - clicked["box"]["height"]) < 1
    assert abs(visitor["at"]["x"] - clicked["click"]["x"]) <= 3, steps
    assert abs(visitor["at"]["y"] - clicked["click"]["y"]) <= 3, steps
