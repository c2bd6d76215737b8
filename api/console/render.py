"""A console page: its template (api/templates/console/) in the staff member's language, the
CSRF token of its forms, and headers that keep it private and script-safe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import HTMLResponse, RedirectResponse

from accounts.permissions import Actor
from api.console.words import LANGUAGES, NAMES, VALUE_WORDS, translations
from api.pages import render

#: Scripts and styles only from the app itself (npm packages it serves), never inline.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data: blob: {media}; media-src 'self' {media}; "
                           "connect-src 'self' {media}; frame-ancestors 'none'; "
                           "form-action 'self'; base-uri 'none'; object-src 'none'")


@dataclass(frozen=True, slots=True)
class View:
    """Who is looking at a console page, in which language, and their forms' CSRF token."""

    lang: str
    csrf: str
    actor: Actor | None = None
    media_origin: str = ""
    notices: tuple[str, ...] = field(default_factory=tuple)

    def gettext(self, message: str, **values: Any) -> str:
        """A message in the view's language, with `{name}` values filled in."""
        text = translations(self.lang).gettext(message)
        return text.format(**values) if values else text


def headers(view: View) -> Mapping[str, str]:
    """The security headers of every console answer."""
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY.format(media=view.media_origin
                                                                      ).replace("  ", " "),
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
            "Content-Language": view.lang, "Vary": "Cookie, Accept-Language"}


def page(view: View, template: str, *, status: int = 200, title: str,
         **values: Any) -> HTMLResponse:
    """A console page rendered for a view."""
    html = render(f"console/{template}", _=view.gettext, view=view, lang=view.lang,
                  languages=LANGUAGES, language_names=NAMES, value_words=VALUE_WORDS,
                  title=title, **values)
    return HTMLResponse(html, status_code=status, headers=dict(headers(view)))


def see_other(view: View, url: str) -> RedirectResponse:
    """After a form: back to a page (303, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303, headers=dict(headers(view)))
