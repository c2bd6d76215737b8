"""The app's HTML pages: Jinja2 templates from api/templates/, autoescaped, with their interface
words from the gettext message catalogues of api/locale/ (one environment per language).

The catalogues are managed with Babel (README, "Page languages"): `messages.po` is what
translators edit, `messages.mo` is compiled from it and committed, so that a checkout, a wheel
and the Lambda zip serve every language without a build step; tests/api/test_catalogues.py
fails when a template's message is missing or fuzzy in a catalogue or a `.mo` is stale.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.language import SERVICE_LANGUAGES, primary

if TYPE_CHECKING:
    from jinja2 import Environment

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
#: The languages the visitor pages speak (a catalogue each; English is also the msgids').
INTERFACE_LANGUAGES = SERVICE_LANGUAGES


def interface_language(chain: Sequence[str]) -> str:
    """The catalogue of the first language of the chain that has one ("en" when none has)."""
    return next((primary(tag) for tag in chain if primary(tag) in INTERFACE_LANGUAGES), "en")


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of an interface language (FileNotFoundError when missing: a
    page never falls back to other words silently)."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as compiled:
        return gettext.GNUTranslations(compiled)


@functools.cache
def environment(lang: str = "en") -> Environment:
    """The templates' environment speaking one interface language, made on its first page
    (Jinja2 is not imported at start: a Lambda cold start that answers GraphQL never needs
    it)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    made = Environment(  # every template is HTML: autoescaping on, strings included
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    made.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    #: `tojson` keeps Vietnamese letters as they are (smaller pages on slow links).
    made.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return made


def render(template: str, *, lang: str, **values: Any) -> str:
    """A page of api/templates/ in a language: `lang` is the page's tag (`<html lang>`), its
    interface words come from the catalogue of its primary language (English when none)."""
    catalogue = interface_language([lang])
    return environment(catalogue).get_template(template).render(lang=lang, **values)
