"""In headless Chromium, in Vietnamese and in English: an editor adds a stop with a narration
and a QR code, previews the visitor's page and prints the sheet, which zbar reads back; every
page passes axe-core without a serious or critical violation, on phone and desktop widths."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qr.demo import DEMO_MEDIA
from tests.console.conftest import LiveConsole, walk
from tests.qr.conftest import decode_labels

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_editor_adds_a_narrated_stop_with_a_code_and_prints_its_sheet(
        live_console: LiveConsole, lang: str, tmp_path: Path) -> None:
    title = f"Nhà bia Đền Đô {lang}"
    out = SCREENSHOTS / live_console.backend
    result = walk("stops_walk.mjs", live_console, out, CONSOLE_LANG=lang, STOP_TITLE=title,
                  DEMO_MEDIA=str(DEMO_MEDIA))
    assert result["problems"] == []
    assert len(result["pages"]) == 5
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["narrated"].endswith("?done=narration")
    assert steps["notice"].strip() == ("Lời thuyết minh đã được lưu." if lang == "vi"
                                       else "The narration is kept.")
    previews = steps["previews"]
    assert set(previews) == {"vi", "en", "ko", "zh", "ja", "fr"}
    for tag, preview in previews.items():
        assert preview["href"] == f"/q/{steps['code']}?lang={tag}"
        assert preview["audio"] == 1, preview  # the Ogg just uploaded, on every page
    assert previews["vi"]["lang"] == "vi" and previews["en"]["lang"] == "en"
    subprocess.run(["pdftoppm", "-r", "150", "-png", steps["sheet"], str(tmp_path / "page")],
                   check=True)
    decoded = decode_labels(sorted(tmp_path.glob("page-*.png")), tmp_path, dpi=150)
    assert f"{live_console.base_url}/q/{steps['code']}" in decoded
