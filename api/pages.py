"""The app's HTML pages: Jinja2 templates from api/templates/, autoescaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

#: Every template is HTML: autoescaping on, including templates given as strings.
ENVIRONMENT = Environment(
    loader=PackageLoader("api", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
#: `tojson` keeps Vietnamese letters as they are (smaller pages on slow links).
ENVIRONMENT.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}


def render(template: str, **values: Any) -> str:
    """A page rendered from its template in api/templates/."""
    return ENVIRONMENT.get_template(template).render(**values)
