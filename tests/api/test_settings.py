"""Settings by concern: every documented `TOURISM_*` variable still lands where it is read,
and one SpatiaLite loader serves the sync and the async engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from api.db import SpatialiteMissing, make_async_engine, make_sync_engine
from api.settings import Settings

ENVIRONMENT = {
    "TOURISM_ENV": ("development", ("server", "env"), "development"),
    "TOURISM_PUBLIC_BASE_URL": ("https://du-lich.example", ("server", "public_base_url"),
                                "https://du-lich.example"),
    "TOURISM_CORS_ORIGINS": ('["https://app.example"]', ("server", "cors_origins"),
                             ["https://app.example"]),
    "TOURISM_TRUST_FORWARDED_FOR": ("true", ("server", "trust_forwarded_for"), True),
    "TOURISM_DATABASE_URL": ("postgresql+psycopg://u@db/t", ("db", "url"),
                             "postgresql+psycopg://u@db/t"),
    "TOURISM_DB_POOL": ("null", ("db", "pool"), "null"),
    "TOURISM_DB_POOL_SIZE": ("2", ("db", "pool_size"), 2),
    "TOURISM_STATEMENT_TIMEOUT_MS": ("1234", ("db", "statement_timeout_ms"), 1234),
    "TOURISM_SPATIALITE_MODULE": ("/opt/mod_spatialite", ("db", "spatialite_module"),
                                  "/opt/mod_spatialite"),
    "TOURISM_MEDIA_URL": ("s3://bucket/prefix", ("media", "url"), "s3://bucket/prefix"),
    "TOURISM_MEDIA_PUBLIC_URL": ("https://cdn.example", ("media", "public_url"),
                                 "https://cdn.example"),
    "TOURISM_S3_ENDPOINT_URL": ("http://127.0.0.1:9000", ("s3", "endpoint_url"),
                                "http://127.0.0.1:9000"),
    "TOURISM_S3_REGION": ("eu-west-1", ("s3", "region"), "eu-west-1"),
    "TOURISM_SECRET_KEY": ("k" * 40, ("auth", "secret_key"), "k" * 40),
    "TOURISM_ACCESS_TOKEN_TTL_S": ("600", ("auth", "access_token_ttl_s"), 600),
    "TOURISM_REFRESH_TOKEN_TTL_S": ("86400", ("auth", "refresh_token_ttl_s"), 86400),
    "TOURISM_RATE_LIMIT_CLIENT_PER_MINUTE": ("61", ("limits", "client_per_minute"), 61),
    "TOURISM_RATE_LIMIT_CLIENT_BURST": ("62", ("limits", "client_burst"), 62),
    "TOURISM_RATE_LIMIT_ACCOUNT_PER_MINUTE": ("63", ("limits", "account_per_minute"), 63),
    "TOURISM_RATE_LIMIT_ACCOUNT_BURST": ("64", ("limits", "account_burst"), 64),
    "TOURISM_LOGIN_FAILURES_PER_15_MIN": ("5", ("limits", "login_failures_per_15_min"), 5),
    "TOURISM_MAX_BODY_BYTES": ("262144", ("limits", "max_body_bytes"), 262144),
    "TOURISM_OPERATION_TIMEOUT_S": ("2.5", ("limits", "operation_timeout_s"), 2.5),
    "TOURISM_MAX_QUERY_COST": ("5000", ("limits", "max_query_cost"), 5000),
    "TOURISM_MAX_RESPONSE_BYTES": ("65536", ("limits", "max_response_bytes"), 65536),
    "TOURISM_QR_RATE_PER_MINUTE": ("30", ("qr", "rate_per_minute"), 30.0),
    "TOURISM_QR_BURST": ("7", ("qr", "burst"), 7),
    "TOURISM_QR_CACHE_SECONDS": ("0", ("qr", "cache_seconds"), 0.0),
    "TOURISM_GRAPHQL_FAST_PATH": ("false", ("server", "graphql_fast_path"), False),
    "TOURISM_SMTP_HOST": ("smtp.example.vn", ("mail", "host"), "smtp.example.vn"),
    "TOURISM_SMTP_PORT": ("2525", ("mail", "port"), 2525),
    "TOURISM_SMTP_USERNAME": ("console", ("mail", "username"), "console"),
    "TOURISM_SMTP_PASSWORD": ("mail-secret", ("mail", "password"), "mail-secret"),
    "TOURISM_SMTP_FROM": ("no-reply@sovhttdl.example.vn", ("mail", "sender"),
                          "no-reply@sovhttdl.example.vn"),
    "TOURISM_SMTP_STARTTLS": ("false", ("mail", "starttls"), False),
    "TOURISM_FEEDBACK_PER_HOUR": ("3", ("feedback", "per_hour"), 3.0),
    "TOURISM_FEEDBACK_BURST": ("2", ("feedback", "burst"), 2),
    "TOURISM_FEEDBACK_MAX_TEXT_CHARS": ("500", ("feedback", "max_text_chars"), 500),
    "TOURISM_FEEDBACK_MAX_PHOTO_BYTES": ("1048576", ("feedback", "max_photo_bytes"), 1048576),
    "TOURISM_FEEDBACK_FORM_MAX_AGE_S": ("600", ("feedback", "form_max_age_s"), 600),
    "TOURISM_FEEDBACK_CONTACT_RETENTION_DAYS": ("30", ("feedback", "contact_retention_days"),
                                                30),
}


def test_every_documented_variable_is_read_by_its_concern(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, (value, _, _) in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    for name, (_, (part, field), expected) in ENVIRONMENT.items():
        assert getattr(getattr(settings, part), field) == expected, name


def test_the_documented_names_are_those_of_readme_and_serverless() -> None:
    root = Path(__file__).resolve().parents[2]
    documented = (root / "README.md").read_text("utf-8") + (root / "serverless.yml").read_text(
        "utf-8")
    names = set(re.findall(r"TOURISM_[A-Z0-9_]+[A-Z0-9]", documented))
    not_settings = {"TOURISM_NEW_PASSWORD", "TOURISM_DEMO_PASSWORD", "TOURISM_TEST_BACKENDS",
                    "TOURISM_LAMBDA_PYTHON",  # the build's interpreter (deploy/build.py)
                    "TOURISM_DIFFERENTIAL_EXAMPLES",  # tests/api/test_differential.py
                    "TOURISM_FONT_DIR"}  # the QR sheets' fonts (qr/sheet.py)
    # read from SSM at start: tests/api/test_settings_production.py, on moto's SSM
    from_ssm = {"TOURISM_SECRET_KEY_SSM_PARAMETER", "TOURISM_DATABASE_PASSWORD_SSM_PARAMETER"}
    assert names - not_settings - from_ssm - set(ENVIRONMENT) == set()


def test_production_refuses_sqlite_and_placeholders_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOURISM_ENV", "production")
    monkeypatch.setenv("TOURISM_DATABASE_URL", "postgresql+psycopg://u@db/t")
    monkeypatch.setenv("TOURISM_PUBLIC_BASE_URL", "https://du-lich.example")
    monkeypatch.setenv("TOURISM_SECRET_KEY", "changeme")
    with pytest.raises(ValueError, match="TOURISM_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("TOURISM_SECRET_KEY", "s" * 40)
    assert Settings().server.is_production
    monkeypatch.setenv("TOURISM_DATABASE_URL", "sqlite:///x.sqlite")
    with pytest.raises(ValueError, match="PostgreSQL"):
        Settings()


async def test_one_spatialite_loader_serves_both_engines(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'loader.sqlite'}"
    sync_engine = make_sync_engine(url)
    with sync_engine.connect() as conn:
        assert conn.execute(text("SELECT spatialite_version()")).scalar_one()
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    sync_engine.dispose()
    async_engine = make_async_engine(url)
    async with async_engine.connect() as aconn:
        assert (await aconn.execute(text("SELECT spatialite_version()"))).scalar_one()
        assert (await aconn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
    await async_engine.dispose()
    # The module is read when an engine is made (TOURISM_SPATIALITE_MODULE), not at import.
    monkeypatch.setenv("TOURISM_SPATIALITE_MODULE", str(tmp_path / "no_such_module"))
    broken = make_sync_engine(url)
    with pytest.raises(SpatialiteMissing, match="no_such_module"):
        broken.connect()
    broken.dispose()
    broken_async = make_async_engine(url)
    with pytest.raises(SpatialiteMissing, match="no_such_module"):
        await broken_async.connect()
    await broken_async.dispose()
