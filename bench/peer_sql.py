"""The peer's side of the database: SQL functions that PostGraphile serves as our two queries,
and the check that both servers' statements run the same plan.

The functions read the bench's own `destination` table (the project's migrations and
`tourism synthetic`) with geo.spatial's filter (published only), its two GiST indexes and its
KNN orders, as the SQL that bench.workload.capture_sql prints:
- area: `ST_Intersects(location, envelope)` ordered by `location <-> centre` straight from
  the geometry index (a second key would make PostgreSQL read and sort the whole box; ours
  reads 16 rows more and sorts exact ties by id in Python, which the answer check compares);
- nearby: the `limit` nearest by `location::geography <-> point` (the geography index), then
  the rows within that bound (widened by geo.nearest's slack) re-ranked by the exact
  spheroid distance, ties by id.
They are `LANGUAGE sql STABLE`, so PostgreSQL inlines them into PostGraphile's statement and
its LIMIT reaches the index scan. They return the fields the bench asks of both servers: the
same global id (base64url of `Destination:<id>`), the name as our server gives it to a client
without Accept-Language (vi, then en, then the slug), the location, the distance.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from bench.config import Config
from bench.data import libpq_url
from geo.nearest import _SPHERE_SLACK

SCHEMA = "peer"
#: Helpers PostGraphile does not see (it serves SCHEMA only).
PRIVATE = "peer_private"


def ddl(cfg: Config) -> str:
    """The schema, types and functions, (re)created from scratch."""
    knn_limit = cfg.nearby_first + 1  # as geo.spatial asks: one more than the page
    return f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
DROP SCHEMA IF EXISTS {PRIVATE} CASCADE;
CREATE SCHEMA {SCHEMA};
CREATE SCHEMA {PRIVATE};
CREATE TYPE {SCHEMA}.geo_point AS (lat double precision, lng double precision);
CREATE TYPE {SCHEMA}.bbox AS (west double precision, south double precision,
                              east double precision, north double precision);
CREATE TYPE {SCHEMA}.destination_node AS (id text, name text, location {SCHEMA}.geo_point);
CREATE TYPE {SCHEMA}.nearby_node AS (distance_meters double precision, id text, name text,
                                    location {SCHEMA}.geo_point);

CREATE FUNCTION {PRIVATE}.global_id(id integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT rtrim(translate(encode(convert_to('Destination:' || id, 'UTF8'), 'base64'),
                         '+/', '-_'), '=')
$$;

CREATE FUNCTION {PRIVATE}.label(name jsonb, slug text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(name ->> 'vi', ''), nullif(name ->> 'en', ''), slug)
$$;

CREATE FUNCTION {SCHEMA}.destinations_in_area(bbox {SCHEMA}.bbox)
RETURNS SETOF {SCHEMA}.destination_node
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT {PRIVATE}.global_id(d.id), {PRIVATE}.label(d.name, d.slug),
         ROW(ST_Y(d.location), ST_X(d.location))::{SCHEMA}.geo_point
  FROM public.destination d
  WHERE d.status = 'published'
    AND ST_Intersects(d.location, ST_MakeEnvelope(bbox.west, bbox.south, bbox.east,
                                                  bbox.north, 4326))
  ORDER BY d.location <-> ST_SetSRID(ST_MakePoint((bbox.west + bbox.east) / 2,
                                                  (bbox.south + bbox.north) / 2), 4326)
$$;

CREATE FUNCTION {SCHEMA}.nearby_destinations(near {SCHEMA}.geo_point,
                                             radius_meters double precision)
RETURNS SETOF {SCHEMA}.nearby_node
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ST_Distance(d.location::geography,
                     ST_SetSRID(ST_MakePoint(near.lng, near.lat), 4326)::geography),
         {PRIVATE}.global_id(d.id), {PRIVATE}.label(d.name, d.slug),
         ROW(ST_Y(d.location), ST_X(d.location))::{SCHEMA}.geo_point
  FROM public.destination d
  WHERE d.status = 'published'
    AND ST_DWithin(d.location::geography,
                   ST_SetSRID(ST_MakePoint(near.lng, near.lat), 4326)::geography,
                   least(radius_meters, (
                     SELECT max(k.sd) FROM (
                       SELECT d2.location::geography
                              <-> ST_SetSRID(ST_MakePoint(near.lng, near.lat), 4326)::geography
                              AS sd
                       FROM public.destination d2
                       WHERE d2.status = 'published'
                       ORDER BY d2.location::geography
                                <-> ST_SetSRID(ST_MakePoint(near.lng, near.lat), 4326)::geography
                       LIMIT {knn_limit}) k) * {_SPHERE_SLACK!r}))
    AND ST_Distance(d.location::geography,
                    ST_SetSRID(ST_MakePoint(near.lng, near.lat), 4326)::geography)
        <= radius_meters
  ORDER BY 1, d.id
$$;
"""


def install(url: str, cfg: Config) -> None:
    """Create the peer's schema in the bench database."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(ddl(cfg).encode())


def scans(plan: dict[str, Any]) -> Counter[str]:
    """The scans of a JSON plan, as `<node type> <index or relation>`, counted; a Subquery
    Scan (the projection of an inlined function's rows, reading no table) is left out, a
    Function Scan (a function PostgreSQL did not inline) is not."""
    found: Counter[str] = Counter()
    stack = [plan]
    while stack:
        node = stack.pop()
        kind = str(node.get("Node Type", ""))
        if "Scan" in kind and kind != "Subquery Scan":
            found[f"{kind} {node.get('Index Name') or node.get('Relation Name') or ''}".strip()] \
                += 1
        stack.extend(node.get("Plans", []))
    return found


def preload_auto_explain(url: str) -> None:
    """Load auto_explain into every session opened from now on, logging nothing yet (JSON
    plans when `explaining` turns it on); run before the servers open their pools."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("LOAD 'auto_explain'")  # ALTER SYSTEM knows its settings once loaded
        conn.execute("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'")
        conn.execute("ALTER SYSTEM SET auto_explain.log_format = 'json'")
        conn.execute("ALTER SYSTEM SET auto_explain.log_min_duration = -1")
        conn.execute("SELECT pg_reload_conf()")


@contextmanager
def explaining(url: str) -> Iterator[None]:
    """While inside, every statement's plan goes to the cluster's log (auto_explain)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("LOAD 'auto_explain'")
        conn.execute("ALTER SYSTEM SET auto_explain.log_min_duration = 0")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        try:
            yield
        finally:
            conn.execute("ALTER SYSTEM SET auto_explain.log_min_duration = -1")
            conn.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)


_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.MULTILINE)


def logged_plans(log: Path, send: Callable[[], object], settle_s: float = 2.0
                 ) -> list[tuple[str, dict[str, Any]]]:
    """The plans auto_explain logged while `send` ran and for settle_s after (call inside
    `explaining`): (query text, top plan node) of each statement that read `destination`."""
    before = log.stat().st_size
    send()
    time.sleep(settle_s)  # a server may still be answering what the load client left
    with log.open("rb") as f:
        f.seek(before)
        text = f.read().decode(errors="replace")
    starts = [m.start() for m in _RECORD.finditer(text)] + [len(text)]
    plans = []
    for a, b in zip(starts, starts[1:], strict=False):
        record = text[a:b]
        if "  plan:" not in record:
            continue
        doc = json.loads("\n".join(line.removeprefix("\t") for line in
                                   record.split("  plan:", 1)[1].splitlines()))
        plan = dict(doc["Plan"])
        if any("destination" in scan for scan in scans(plan)):
            plans.append((str(doc.get("Query Text", "")), plan))
    return plans
