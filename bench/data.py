"""Databases under test: a throwaway PostGIS cluster grown in steps, and a SpatiaLite file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from api import migrations
from api.db import make_sync_engine
from bench.servers import ROOT, clean_env
from geo.synthetic import generate

#: geo.synthetic's default seed; each growth step uses the next one, since every call of
#: generate() restarts its random sequence (the same seed would repeat the same positions).
DATA_SEED = 7


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as libpq/psycopg/asyncpg take it (postgresql://...)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def migrate(url: str) -> None:
    """Bring the schema to head."""
    migrations.upgrade(url)


def grow(url: str, add: int, step: int) -> float:
    """Add synthetic destinations (COPY), then VACUUM ANALYZE and CHECKPOINT; seconds taken."""
    start = time.monotonic()
    engine = make_sync_engine(url)
    try:
        generate(engine, add, seed=DATA_SEED + step)
    finally:
        engine.dispose()
    settle(url)
    return time.monotonic() - start


def settle(url: str) -> None:
    """Leave nothing for autovacuum to do during the measures."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) destination")
        conn.execute("CHECKPOINT")


def count_rows(url: str) -> int:
    """Destinations in the database."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM destination").fetchone()
        return int(row[0]) if row else 0


def prepare_spatialite(path: Path, rows: int, timeout_s: float = 900.0) -> float:
    """`tourism migrate` then `tourism synthetic --count rows` on a fresh file; seconds taken."""
    start = time.monotonic()
    env = clean_env(TOURISM_DATABASE_URL=f"sqlite:///{path}")
    for args in (["migrate"], ["synthetic", "--count", str(rows)]):
        result = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=timeout_s, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"tourism {' '.join(args)} failed: {result.stderr[-2000:]}")
    return time.monotonic() - start
