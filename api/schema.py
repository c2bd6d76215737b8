"""The GraphQL schema: every area's queries joined into one Query type."""

from __future__ import annotations

from collections.abc import AsyncIterator

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from api.errors import error_codes
from api.queries.destinations import DestinationQueries
from api.types.common import GEOJSON_SCALAR, GeoJSON
from api.types.destination import Destination

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000


@strawberry.type
class Query(DestinationQueries):
    """Everything a tourist app, a kiosk or the department's staff can read."""


class CloseSession(SchemaExtension):
    """Closes the request's database session when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        """Lets the operation run, then releases its connection."""
        yield
        context = self.execution_context.context
        session = getattr(context, "session", None)
        if session is not None:
            await session.close()


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its limits, caches and error policy for a mode."""
    return strawberry.Schema(
        query=Query,
        types=[Destination],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={GeoJSON: GEOJSON_SCALAR}),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            error_codes(production),
            CloseSession,
        ],
    )
