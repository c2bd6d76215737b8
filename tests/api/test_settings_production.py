"""Production settings: secrets read from SSM Parameter Store (moto's server over HTTP), and a
public base URL that QR codes can carry (https, not loopback)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from api.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings
from api.ssm import ParameterMissing

SECRET = "s" * 40
DATABASE = "postgresql+psycopg://tourism_app@db.internal:5432/tourism"


def production(*, public_base_url: str) -> Settings:
    return Settings(server=ServerSettings(env="production", public_base_url=public_base_url),
                    auth=AuthSettings(secret_key=SECRET), db=DatabaseSettings(url=DATABASE))


@pytest.mark.parametrize("url", ["http://tourism.example.vn", "https://127.0.0.1:8000",
                                 "https://localhost", "https://[::1]/", "ftp://example.vn",
                                 "https://0.0.0.0", "https://api.localhost"])
def test_production_refuses_a_public_url_qr_codes_cannot_carry(url: str) -> None:
    with pytest.raises(ValidationError, match="TOURISM_PUBLIC_BASE_URL"):
        production(public_base_url=url)


def test_production_accepts_an_https_public_host() -> None:
    settings = production(public_base_url="https://tourism.example.vn")
    assert settings.server.public_base_url == "https://tourism.example.vn"


@pytest.fixture
def ssm_names(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two SecureString parameters on moto's server, and the environment a function has."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "ap-southeast-1",
                        "AWS_DEFAULT_REGION": "ap-southeast-1",
                        "AWS_ENDPOINT_URL_SSM": s3_endpoint}.items():
        monkeypatch.setenv(name, value)
    prefix = f"/tourism/{uuid.uuid4().hex[:8]}"
    client = boto3.client("ssm", endpoint_url=s3_endpoint, region_name="ap-southeast-1")
    values = {"key": f"{prefix}/secret-key", "password": f"{prefix}/database-password"}
    client.put_parameter(Name=values["key"], Value="k" * 48, Type="SecureString")
    client.put_parameter(Name=values["password"], Value="pa:ss/wörd@", Type="SecureString")
    return values


def test_secrets_come_from_ssm_parameters(ssm_names: dict[str, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOURISM_ENV", "production")
    monkeypatch.setenv("TOURISM_DATABASE_URL", DATABASE)
    monkeypatch.setenv("TOURISM_PUBLIC_BASE_URL", "https://tourism.example.vn")
    monkeypatch.setenv("TOURISM_SECRET_KEY_SSM_PARAMETER", ssm_names["key"])
    monkeypatch.setenv("TOURISM_DATABASE_PASSWORD_SSM_PARAMETER", ssm_names["password"])
    settings = Settings()
    assert settings.auth.secret_key == "k" * 48
    url = make_url(settings.db.url)
    assert url.password == "pa:ss/wörd@"  # escaped in the URL, intact once parsed
    assert (url.username, url.host, url.database) == ("tourism_app", "db.internal", "tourism")


def test_a_missing_parameter_stops_the_start(ssm_names: dict[str, str]) -> None:
    with pytest.raises(ParameterMissing, match="/absent/secret"):
        Settings(server=ServerSettings(env="production",
                                       public_base_url="https://tourism.example.vn"),
                 db=DatabaseSettings(url=DATABASE),
                 auth=AuthSettings(secret_key_ssm_parameter="/absent/secret"))
