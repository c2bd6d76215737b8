"""AWS Lambda entry point of the `migrate` function: runs the migrations from inside the VPC.

Invoked once after each deploy (`serverless invoke -f migrate`); the database role needs no
superuser (the PostGIS extension is created once by the admin role, see README, Deploy).
"""

from __future__ import annotations

import logging
from typing import Any

from api import migrations
from api.settings import get_settings

log = logging.getLogger("tourism.migrate")


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, str | None]:
    """Migrates the database to `event["revision"]` (default head); gives the revision now."""
    revision = str((event or {}).get("revision") or "head")
    url = get_settings().db.url
    before = migrations.current(url)
    migrations.upgrade(url, revision)
    after = migrations.current(url)
    log.info("migrated from %s to %s", before, after)
    return {"from": before, "to": after}
