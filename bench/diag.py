"""Diagnostics printed as `#` lines: the database's own time, plans, statements per request."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench.data import libpq_url
from bench.report import median
from bench.workload import with_centre


def fill(spec: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """The captured parameters of a statement with the point or box of a request."""
    params = dict(spec["params"])
    if "west" in values:
        values = with_centre(values)
    for name, role in spec["slots"].items():
        params[name] = values[role]
    return params


def explain(url: str, sql: str, runs: list[dict[str, Any]]) -> tuple[float, str]:
    """Median 'Execution Time' of EXPLAIN ANALYZE over runs (one warm connection), and the
    plan of the first run. The first statement of a connection pays PostGIS's set-up, so
    each is run once before."""
    times, plans = [], []
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for params in runs:
            conn.execute(sql, params).fetchall()
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
            plan = "\n".join(str(r[0]) for r in rows)
            plans.append(plan)
            times.append(float(plan.rsplit("Execution Time:", 1)[1].split()[0]))
    return median(times), plans[0]


_LOGGED = re.compile(r"\[(\d+)\] LOG:  (?:statement|execute [^:]*): (.*)")


def statement_trace(url: str, log: Path, send: Callable[[], object], requests: int = 3
                    ) -> list[str]:
    """The statements the server's backends ran for the last of `requests` requests, from
    the cluster's log with log_statement=all switched on for just that long (an idle backend
    reads the new setting only after its next statement, hence several requests)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        mine = conn.info.backend_pid
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        try:
            for _ in range(requests):
                before = log.stat().st_size
                send()
                time.sleep(0.3)
                after = log.stat().st_size
        finally:
            conn.execute("ALTER SYSTEM RESET log_statement")
            conn.execute("SELECT pg_reload_conf()")
    with log.open("rb") as f:
        f.seek(before)
        text = f.read(after - before).decode(errors="replace")
    found = [(int(m[1]), m[2]) for line in text.split("\n") if (m := _LOGGED.search(line))]
    return [sql for pid, sql in found if pid != mine]
