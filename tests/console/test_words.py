"""The console's catalogue is complete: every message the console's code and templates use
has a Vietnamese translation, none fuzzy, and the compiled catalogue is the one of the .po."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.console.words import DOMAIN, LOCALE_DIR, translations

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("api/console/**.py", "python"), ("api/templates/console/**.html", "jinja2")]


def used_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords={"_": None, "N_": None,
                                                            "gettext": None},
                             options_map={"api/templates/console/**.html": {
                                 "trim_blocks": "true", "lstrip_blocks": "true"}})
    return {message for _file, _line, message, _comments, _context in found
            if isinstance(message, str) and message}


def test_every_console_message_is_translated_into_vietnamese() -> None:
    used = used_messages()
    assert {"Sign in", "Destinations", "Publish"} <= used  # the extraction itself works
    with open(LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(used - translated) == []


def test_the_compiled_catalogue_is_the_current_one() -> None:
    with open(LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    fresh = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    shipped = translations("vi")
    for message in used_messages():
        assert shipped.gettext(message) == fresh.gettext(message), message
