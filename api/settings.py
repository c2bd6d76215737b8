"""Service configuration, read from `TOURISM_*` environment variables only.

One small class per concern, each with its own prefix (tipg's settings.py); a field whose
documented variable does not carry its class's prefix names that variable itself
(`validation_alias`). `Settings` gathers them and holds the checks that span concerns, such
as refusing a placeholder secret or SQLite in production; `get_settings()` reads it once.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api import ssm

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev-secret-key", "placeholder"}
)
DEVELOPMENT_SECRET = "dev-secret-key"


def _config(prefix: str) -> SettingsConfigDict:
    # populate_by_name: aliased fields can be given by name too (pydantic >= 2.9, as pinned)
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", populate_by_name=True)


class ServerSettings(BaseSettings):
    """How the app is served: `TOURISM_ENV`, `TOURISM_PUBLIC_BASE_URL`, `TOURISM_CORS_ORIGINS`,
    `TOURISM_TRUST_FORWARDED_FOR`, `TOURISM_GRAPHQL_FAST_PATH`."""

    model_config = _config("TOURISM_")

    env: Literal["development", "production"] = "development"
    #: What QR codes and local media URLs use.
    public_base_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = Field(default_factory=list)
    #: Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    trust_forwarded_for: bool = False
    #: Answer the hot connections by their plan (api/fastpath.py); off: graphql-core only.
    graphql_fast_path: bool = True

    @property
    def is_production(self) -> bool:
        """Whether the service runs in production mode."""
        return self.env == "production"


class DatabaseSettings(BaseSettings):
    """The database: `TOURISM_DATABASE_URL`, `TOURISM_DB_POOL`, `TOURISM_DB_POOL_SIZE`,
    `TOURISM_STATEMENT_TIMEOUT_MS`, `TOURISM_SPATIALITE_MODULE`."""

    model_config = _config("TOURISM_DATABASE_")

    url: str = "sqlite:///var/tourism.sqlite"
    #: A SecureString parameter (SSM Parameter Store) holding the password of the URL, read
    #: once at start: `TOURISM_DATABASE_PASSWORD_SSM_PARAMETER` (production on Lambda).
    password_ssm_parameter: str | None = None
    #: `queue`: up to 2 × pool_size connections kept open (a long-running server); `null`:
    #: a connection only while a session uses it (Lambda: a frozen container holds none).
    pool: Literal["queue", "null"] = Field(default="queue", validation_alias="TOURISM_DB_POOL")
    pool_size: int = Field(default=5, ge=1, le=100, validation_alias="TOURISM_DB_POOL_SIZE")
    #: SQL statement timeout on PostgreSQL, in milliseconds (0 = none).
    statement_timeout_ms: int = Field(default=5000, ge=0,
                                      validation_alias="TOURISM_STATEMENT_TIMEOUT_MS")
    #: What SQLite loads as SpatiaLite (a name on the library path, or a file).
    spatialite_module: str = Field(default="mod_spatialite",
                                   validation_alias="TOURISM_SPATIALITE_MODULE")

    @property
    def is_sqlite(self) -> bool:
        """Whether the URL points at SQLite/SpatiaLite."""
        return self.url.startswith("sqlite")


class MediaSettings(BaseSettings):
    """Where media live: `TOURISM_MEDIA_URL` (`file://...` or `s3://bucket/prefix`) and
    `TOURISM_MEDIA_PUBLIC_URL` (a CDN base URL)."""

    model_config = _config("TOURISM_MEDIA_")

    url: str = "file://var/media"
    public_url: str | None = None


class S3Settings(BaseSettings):
    """The S3 client of the media store: `TOURISM_S3_ENDPOINT_URL`, `TOURISM_S3_REGION`."""

    model_config = _config("TOURISM_S3_")

    endpoint_url: str | None = None
    region: str = "ap-southeast-1"


class AuthSettings(BaseSettings):
    """Signing and sign-in lifetimes: `TOURISM_SECRET_KEY`, `TOURISM_ACCESS_TOKEN_TTL_S`,
    `TOURISM_REFRESH_TOKEN_TTL_S`."""

    model_config = _config("TOURISM_")

    secret_key: str = DEVELOPMENT_SECRET
    #: A SecureString parameter holding the secret key, read once at start:
    #: `TOURISM_SECRET_KEY_SSM_PARAMETER` (production on Lambda, instead of the key itself).
    secret_key_ssm_parameter: str | None = None
    access_token_ttl_s: int = Field(default=900, ge=30, le=3600)
    refresh_token_ttl_s: int = Field(default=30 * 86400, ge=300, le=90 * 86400)

    @property
    def is_placeholder(self) -> bool:
        """Whether the secret is a known placeholder or too short for production."""
        return (self.secret_key.strip().lower() in PLACEHOLDER_SECRETS
                or len(self.secret_key) < 32)


class LimitSettings(BaseSettings):
    """Abuse limits of the API (serverless.yml sets the same at the edge):
    `TOURISM_RATE_LIMIT_*`, `TOURISM_LOGIN_FAILURES_PER_15_MIN`, `TOURISM_MAX_BODY_BYTES`,
    `TOURISM_OPERATION_TIMEOUT_S`, `TOURISM_MAX_QUERY_COST`, `TOURISM_MAX_RESPONSE_BYTES`."""

    model_config = _config("TOURISM_RATE_LIMIT_")

    #: Requests per minute and burst, per client address / per account or API key.
    client_per_minute: int = Field(default=600, ge=1)
    client_burst: int = Field(default=120, ge=1)
    account_per_minute: int = Field(default=1200, ge=1)
    account_burst: int = Field(default=200, ge=1)
    #: Failed sign-ins allowed per e-mail address per 15 minutes.
    login_failures_per_15_min: int = Field(default=10, ge=1,
                                           validation_alias="TOURISM_LOGIN_FAILURES_PER_15_MIN")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024,
                                validation_alias="TOURISM_MAX_BODY_BYTES")
    #: Wall-clock limit of one GraphQL operation, in seconds.
    operation_timeout_s: float = Field(default=10.0, gt=0,
                                       validation_alias="TOURISM_OPERATION_TIMEOUT_S")
    #: Cost budget of one operation (api/cost.py) and the largest answer, in bytes.
    max_query_cost: int = Field(default=20_000, ge=1, validation_alias="TOURISM_MAX_QUERY_COST")
    max_response_bytes: int = Field(default=1024 * 1024, ge=1024,
                                    validation_alias="TOURISM_MAX_RESPONSE_BYTES")


class QrSettings(BaseSettings):
    """Tuning of the scan endpoint, from `TOURISM_QR_*` variables."""

    model_config = _config("TOURISM_QR_")

    #: Scans of one client address: a tour group of 100 on one Wi-Fi arriving at once fits in
    #: the burst, a group's pace in the refill; a flood gets the burst, then 2 a second.
    rate_per_minute: float = Field(default=120.0, gt=0)
    burst: int = Field(default=150, ge=1)
    cache_seconds: float = Field(default=5.0, ge=0)


class FeedbackSettings(BaseSettings):
    """Visitors' feedback, from `TOURISM_FEEDBACK_*` variables: what one client address may
    send (per hour, with a burst), the sizes accepted, how long a signed form stays valid, and
    how many days a visitor's contact is kept (then the daily `purge` function, or
    `tourism feedback purge`, deletes it)."""

    model_config = _config("TOURISM_FEEDBACK_")

    per_hour: float = Field(default=6.0, gt=0)
    burst: int = Field(default=5, ge=1)
    max_text_chars: int = Field(default=2000, ge=100, le=20_000)
    max_photo_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024, le=8 * 1024 * 1024)
    form_max_age_s: int = Field(default=6 * 3600, ge=60)
    contact_retention_days: int = Field(default=90, ge=1, le=3650)


class MailSettings(BaseSettings):
    """Where the console's e-mails go (invitations, password resets, review decisions):
    `TOURISM_SMTP_HOST`, `_PORT`, `_USERNAME`, `_PASSWORD`, `_FROM`, `_STARTTLS`. Without a
    host, e-mails are written to the log instead (development)."""

    model_config = _config("TOURISM_SMTP_")

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    sender: str = Field(default="no-reply@localhost", validation_alias="TOURISM_SMTP_FROM")
    starttls: bool = True
    timeout_s: float = Field(default=10.0, gt=0)


class Settings(BaseModel):
    """Everything the service reads from its environment, by concern."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    qr: QrSettings = Field(default_factory=QrSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)

    @model_validator(mode="after")
    def _read_secrets_then_refuse_placeholders_in_production(self) -> Settings:
        secrets = ssm.resolve_secrets(secret_key_parameter=self.auth.secret_key_ssm_parameter,
                                      password_parameter=self.db.password_ssm_parameter,
                                      database_url=self.db.url)
        if secrets.secret_key is not None:
            self.auth = self.auth.model_copy(update={"secret_key": secrets.secret_key})
        if secrets.database_url is not None:
            self.db = self.db.model_copy(update={"url": secrets.database_url})
        if self.server.is_production:
            if self.auth.is_placeholder:
                raise ValueError(
                    "TOURISM_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production"
                )
            if self.db.is_sqlite:
                raise ValueError("production needs a PostgreSQL TOURISM_DATABASE_URL, not SQLite")
            if not _public_https(self.server.public_base_url):
                raise ValueError("TOURISM_PUBLIC_BASE_URL must be an https URL of a public host "
                                 "in production (QR codes encode it)")
        return self


def is_loopback(url: str) -> bool:
    """Whether a URL names this machine only (localhost, 127.0.0.0/8, ::1, 0.0.0.0)."""
    host = (urlparse(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _public_https(url: str) -> bool:
    return urlparse(url).scheme == "https" and not is_loopback(url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
