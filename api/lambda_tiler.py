"""AWS Lambda entry point of the `tiler` function: each S3 ObjectCreated event of a panorama
upload runs the ingest job (`media.ingest`); the hourly `{"sweep": true}` event runs again the
ingests a killed run left PENDING.

An unexpected failure raises: Lambda retries the event twice, then sends it to the dead-letter
queue. A refused image is not a failure of the function: its panorama is FAILED with a code.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy.pool import NullPool

from api.db import make_async_engine, make_session_factory
from api.media_store import store_for
from api.settings import get_settings
from media.ingest import LEASE_S, UPLOAD_PREFIX, IngestResult, ingest_upload, sweep

log = logging.getLogger("tourism.tiler")
settings = get_settings()
store = store_for(settings)
# One engine per container; no pool: each event runs in its own event loop.
engine = make_async_engine(settings.db.url, poolclass=NullPool,
                           statement_timeout_ms=settings.db.statement_timeout_ms)
sessions = make_session_factory(engine)


def upload_keys(event: dict[str, Any]) -> list[str]:
    """The store keys of the panorama uploads an S3 event names (bucket prefix removed)."""
    prefix = str(getattr(store, "prefix", "") or "")
    keys = []
    for record in event.get("Records", []):
        key = unquote_plus(str(record.get("s3", {}).get("object", {}).get("key", "")))
        key = key[len(prefix) + 1:] if prefix and key.startswith(prefix + "/") else key
        if key.startswith(UPLOAD_PREFIX + "/"):
            keys.append(key)
    return keys


async def _run(event: dict[str, Any], lease_s: float) -> list[IngestResult]:
    if event.get("sweep"):
        return await sweep(sessions=sessions, store=store)
    return [await ingest_upload(sessions=sessions, store=store, key=key, lease_s=lease_s)
            for key in upload_keys(event)]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Ingests the uploads of an S3 event (or sweeps); gives where each panorama stands."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    lease_s = remaining() / 1000 + 30 if callable(remaining) else LEASE_S
    results = asyncio.run(_run(event, lease_s))
    for result in results:
        log.info("panorama %s: %s %s", result.panorama_id, result.status, result.failure or "")
    return {"panoramas": [r.as_json() for r in results]}
