"""The GraphQL schema: every area's queries joined into one Query type."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.types import ExecutionContext

from api.cost import QueryCost
from api.errors import error_code_enums, error_codes
from api.fastpath import FastExecutor
from api.hardening import QueryLimits, limit_rules
from api.mutations.auth import AuthMutations
from api.mutations.destinations import DestinationMutations
from api.mutations.feedback import FeedbackMutations
from api.mutations.listings import ListingMutations
from api.mutations.qr import QrMutations
from api.mutations.tours import TourMutations
from api.queries.destinations import DestinationQueries
from api.queries.feedback import FeedbackQueries
from api.queries.listings import ListingQueries
from api.queries.qr import QrQueries
from api.queries.tours import TourQueries
from api.types.common import DATETIME_SCALAR, GEOJSON_SCALAR, GeoJSON
from api.types.destination import Destination
from api.types.listing import ListingChange
from core.errors import DomainError

log = logging.getLogger("tourism.api")
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000


@strawberry.type
class Query(DestinationQueries, QrQueries, TourQueries, ListingQueries, FeedbackQueries):
    """Everything a tourist app, a kiosk or the department's staff can read."""


@strawberry.type
class Mutation(QrMutations, TourMutations, AuthMutations, ListingMutations,
               DestinationMutations, FeedbackMutations):
    """Every change: staff content, uploads, accounts."""


async def close_request_session(context: object) -> None:
    """Releases the connection of the session a request opened, if it opened one; a failure
    to release it is logged (the connection is discarded) and never raised."""
    session = getattr(context, "opened", None)
    if session is None:
        return
    try:
        await session.close()
    except Exception:  # e.g. a sibling field's query was cancelled when another failed
        log.warning("the request's database session could not be closed cleanly; its "
                    "connection is discarded", exc_info=True)
        with contextlib.suppress(Exception):
            await session.invalidate()


class CloseSession(SchemaExtension):
    """Closes the request's database session when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        """Lets the operation run, then releases its connection (close_request_session)."""
        yield
        await close_request_session(self.execution_context.context)


class TourismSchema(strawberry.Schema):
    """strawberry's schema, logging a client's mistakes as one line each."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """Expected failures (coded refusals, invalid documents and variables) as one INFO
        line each; unexpected ones are logged with their traceback where they are masked
        (api.errors.classify)."""
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, DomainError | GraphQLError):
                code = original.code.value if isinstance(original, DomainError) else "GRAPHQL"
                log.info("refused %s at %s: %s", code, error.path or "-", error.message[:200])


class KeptNames(NameConverter):
    """strawberry's names (camelCase), each Python name converted once: strawberry converts
    every argument's name again on every call of its resolver."""

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._names: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        """The GraphQL name of a Python name, as strawberry's converter gives it."""
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = super().apply_naming_config(name)
        return found


def build_schema(*, production: bool, fast_path: bool = True) -> strawberry.Schema:
    """The schema with its limits, caches and error policy for a mode; `fast_path` answers
    the hot connections by their plan (api/fastpath.py), else graphql-core alone does."""
    rules = limit_rules(max_depth=MAX_DEPTH, max_aliases=MAX_ALIASES, production=production)
    return TourismSchema(
        query=Query,
        mutation=Mutation,
        types=[Destination, ListingChange, *error_code_enums()],
        execution_context_class=FastExecutor if fast_path else None,
        config=StrawberryConfig(auto_camel_case=True, name_converter=KeptNames(), scalar_map={
            GeoJSON: GEOJSON_SCALAR, datetime: DATETIME_SCALAR}),
        extensions=[
            # Depth and aliases measured with each fragment once (strawberry's limiters walk
            # fragments spread twice per level in exponential time); no introspection in prod.
            lambda: QueryLimits(rules),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            QueryCost,  # the cost budget, with the operation's variables (api/cost.py)
            error_codes(production),
            CloseSession,
        ],
    )
