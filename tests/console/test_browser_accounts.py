"""In headless Chromium, in Vietnamese and in English: the forgotten-password form, then an
admin's home, accounts, audit trail and password pages pass axe-core without a serious or
critical violation, and the accounts page fits a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.conftest import ADMIN, LiveConsole, walk

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_account_pages_pass_axe(live_console: LiveConsole, lang: str) -> None:
    result = walk("accounts_walk.mjs", live_console, SCREENSHOTS / live_console.backend,
                  CONSOLE_LANG=lang, ADMIN_EMAIL=ADMIN)
    assert result["problems"] == []
    assert len(result["pages"]) == 6
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["home"].endswith("/console/")
    assert steps["accounts"].startswith("Tài khoản" if lang == "vi" else "Accounts")
    assert steps["phoneWidth"] <= 390
