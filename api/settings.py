"""Service configuration, read from `TOURISM_*` environment variables only."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api import ssm

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev-secret-key", "placeholder"}
)
DEVELOPMENT_SECRET = "dev-secret-key"


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="TOURISM_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///var/tourism.sqlite"
    media_url: str = "file://var/media"
    s3_endpoint_url: str | None = None
    s3_region: str = "ap-southeast-1"
    media_public_url: str | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEVELOPMENT_SECRET
    #: SecureString parameters (SSM Parameter Store) holding the secret key and the database
    #: password, read once at start (production); they replace TOURISM_SECRET_KEY and the
    #: password of TOURISM_DATABASE_URL.
    secret_key_ssm_parameter: str | None = None
    database_password_ssm_parameter: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    #: SQL statement timeout on PostgreSQL, in milliseconds (0 = none).
    statement_timeout_ms: int = Field(default=5000, ge=0)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    # -- accounts and abuse limits (issue 5; the same limits are set at the edge in
    #    serverless.yml) -------------------------------------------------------------------
    access_token_ttl_s: int = Field(default=900, ge=30, le=3600)
    refresh_token_ttl_s: int = Field(default=30 * 86400, ge=300, le=90 * 86400)
    #: Requests per minute and burst, per client address / per account or API key.
    rate_limit_client_per_minute: int = Field(default=600, ge=1)
    rate_limit_client_burst: int = Field(default=120, ge=1)
    rate_limit_account_per_minute: int = Field(default=1200, ge=1)
    rate_limit_account_burst: int = Field(default=200, ge=1)
    #: Failed sign-ins allowed per e-mail address per 15 minutes.
    login_failures_per_15_min: int = Field(default=10, ge=1)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    #: Wall-clock limit of one GraphQL operation, in seconds.
    operation_timeout_s: float = Field(default=10.0, gt=0)
    #: Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    trust_forwarded_for: bool = False

    @model_validator(mode="before")
    @classmethod
    def _read_ssm_parameters(cls, data: Any) -> Any:
        return ssm.resolve_secrets(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
                raise ValueError(
                    "TOURISM_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production"
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs a PostgreSQL TOURISM_DATABASE_URL, not SQLite")
            if not _public_https(self.public_base_url):
                raise ValueError("TOURISM_PUBLIC_BASE_URL must be an https URL of a public host "
                                 "in production (QR codes encode it)")
        return self

    @property
    def is_production(self) -> bool:
        """Whether the service runs in production mode."""
        return self.env == "production"


def _public_https(url: str) -> bool:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme != "https" or not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
