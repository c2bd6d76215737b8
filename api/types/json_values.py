"""JSON values of the API (a listing's content, a change's fields, an audit event's detail):
their keys in camelCase, as every GraphQL field name is. The viewers' configurations keep the
keys Pannellum and Marzipano read."""

from __future__ import annotations

import re
from typing import Any

from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

#: Keys written in snake_case; language tags ("zh-Hant") and codes ("mon") are left as they are.
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def camel_value(value: Any) -> Any:
    """The value with every snake_case key of its objects, at any depth, in camelCase."""
    if isinstance(value, dict):
        return {to_camel_case(k) if isinstance(k, str) and _SNAKE.fullmatch(k) else k:
                camel_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_value(v) for v in value]
    return value


def camel_json(value: Any) -> JSON:
    """A JSON field's value with camelCase keys."""
    return JSON(camel_value(value))
