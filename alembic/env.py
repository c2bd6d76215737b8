"""Alembic environment: migrations run on SpatiaLite or PostGIS through the sync driver."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# Every area's tables, so that Base.metadata is whole (autogenerate compares against it).
import accounts.models  # noqa: E402,F401,I001
import geo.listings.models  # noqa: E402,F401
import geo.models  # noqa: E402,F401
import geo.occupancy.models  # noqa: E402,F401
import media.models  # noqa: E402,F401
import qr.feedback.models  # noqa: E402,F401
import qr.models  # noqa: E402,F401
import tours.models  # noqa: E402,F401
from api.db import make_sync_engine
from api.settings import get_settings
from core.base import Base
from geo.spatial_schema import include_object_for


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=include_object_for(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the connection given by the caller, or on the configured database."""
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_sync_engine(context.config.attributes.get("url") or get_settings().db.url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `tourism migrate`")
run_migrations_online()
