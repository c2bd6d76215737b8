"""Migrations run forward and back on both databases."""

import pytest
from sqlalchemy import inspect

from api import migrations
from api.db import make_sync_engine

TABLES = {"province", "destination", "opening_period", "search_term"}
TABLES |= {"media_object", "panorama", "tour", "scene", "hotspot"}
TABLES |= {"stop", "narration", "qr_code", "qr_scan_count"}
TABLES |= {"account", "auth_session", "refresh_token", "api_key", "destination_owner",
           "listing_change", "listing_version", "listing_photo", "audit_event"}


@pytest.fixture(params=["sqlite", "postgis"])
def empty_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fresh.sqlite"
    base = request.getfixturevalue("postgis_url")
    engine = make_sync_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS fresh")
        conn.exec_driver_sql("CREATE DATABASE fresh")
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/fresh"


def tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    migrations.upgrade(empty_url)
    assert TABLES <= tables(empty_url)
    migrations.downgrade(empty_url, "base")
    assert not TABLES & tables(empty_url)
    migrations.upgrade(empty_url)
    assert TABLES <= tables(empty_url)
