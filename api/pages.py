"""The app's HTML pages: Jinja2 templates from api/templates/, autoescaped."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment


@functools.cache
def environment() -> Environment:
    """The templates' environment, made on the first page (Jinja2 is not imported at start:
    a Lambda cold start that answers GraphQL never needs it)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    made = Environment(  # every template is HTML: autoescaping on, strings included
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    #: `tojson` keeps Vietnamese letters as they are (smaller pages on slow links).
    made.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return made


def render(template: str, **values: Any) -> str:
    """A page rendered from its template in api/templates/."""
    return environment().get_template(template).render(**values)
