"""In headless Chromium, in Vietnamese and in English: an editor signs in, creates a destination
with a Vietnamese and an English text, publishes it, and the public API finds it; every page
passes axe-core without a serious or critical violation, on phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.console.conftest import LiveConsole, walk

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_editor_publishes_a_destination_the_public_finds(
        live_console: LiveConsole, lang: str) -> None:
    slug = f"bao-tang-gom-lai-thieu-{lang}"
    result = walk("destinations_walk.mjs", live_console, SCREENSHOTS / live_console.backend,
                  CONSOLE_LANG=lang, SLUG=slug)
    assert result["problems"] == []
    assert len(result["pages"]) == 6
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["signedIn"].endswith("/console/destinations")
    assert steps["published"].strip() == ("Đã xuất bản" if lang == "vi" else "Published")
    assert steps["listed"] >= 1
    query = """query($text: String!) { searchDestinations(text: $text) {
      edges { node { slug name } } } }"""
    found = httpx.post(f"{live_console.base_url}/graphql", headers={"Accept-Language": "en"},
                       json={"query": query, "variables": {"text": "Lai Thieu Ceramics"}}).json()
    nodes = [e["node"] for e in found["data"]["searchDestinations"]["edges"]]
    assert {"slug": slug, "name": "Lai Thieu Ceramics Museum"} in nodes
