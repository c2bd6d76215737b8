"""Secrets from AWS Systems Manager Parameter Store, read once when the settings load.

In production the template names SecureString parameters (`TOURISM_SECRET_KEY_SSM_PARAMETER`,
`TOURISM_DATABASE_PASSWORD_SSM_PARAMETER`) instead of carrying the secrets themselves; the
function's role may decrypt them, and nothing secret appears in the template or the console.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

#: Short timeouts: a Lambda INIT phase lasts at most 10 s, and SSM answers in milliseconds.
CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 5.0
MAX_ATTEMPTS = 3


class ParameterMissing(RuntimeError):
    """A named SSM parameter does not exist or cannot be read."""


def boto_config(*, connect_timeout: float = CONNECT_TIMEOUT_S,
                read_timeout: float = READ_TIMEOUT_S, **extra: Any) -> Any:
    """A botocore Config with connect and read timeouts and bounded standard retries."""
    from botocore.config import Config

    return Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                  retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"}, **extra)


def read_parameters(names: Sequence[str], *, region: str | None = None) -> dict[str, str]:
    """The decrypted values of SSM parameters, by name; ParameterMissing names any absent."""
    import boto3  # the Lambda runtime's own boto3 (not packaged)

    client = boto3.client("ssm", region_name=region or os.environ.get("AWS_REGION"),
                          config=boto_config())
    answer = client.get_parameters(Names=sorted(set(names)), WithDecryption=True)
    if answer.get("InvalidParameters"):
        raise ParameterMissing(
            f"SSM parameters not found or not readable: {', '.join(answer['InvalidParameters'])}")
    return {p["Name"]: p["Value"] for p in answer["Parameters"]}


def with_password(url: str, password: str) -> str:
    """A database URL with its password replaced."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class Secrets:
    """What SSM gave: the secret key and the database URL with its password (None: not asked)."""

    secret_key: str | None = None
    database_url: str | None = None


def resolve_secrets(*, secret_key_parameter: str | None, password_parameter: str | None,
                    database_url: str) -> Secrets:
    """The secrets that the named SSM parameters hold, read in one call (none when none is
    named)."""
    names = [n for n in (secret_key_parameter, password_parameter) if n]
    if not names:
        return Secrets()
    found = read_parameters(names)
    return Secrets(
        secret_key=found[secret_key_parameter] if secret_key_parameter else None,
        database_url=with_password(database_url, found[password_parameter])
        if password_parameter else None)
