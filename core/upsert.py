"""INSERT ... ON CONFLICT: PostgreSQL and SQLite spell it alike, but SQLAlchemy builds it with
each dialect's own `insert()`; this is the one place that picks it (no dialect test in the
services that count scans or take tokens)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Upsert = postgresql.Insert | sqlite.Insert

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert(session: AsyncSession, model: type[Any] | Table) -> Upsert:
    """An INSERT into `model`'s table (or a table) that takes `.on_conflict_do_update(...)` on
    the session's database."""
    insert: Upsert = _INSERTS[session.get_bind().dialect.name](model)
    return insert
