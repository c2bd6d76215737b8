"""Fixtures of the deploy tests: the artefacts as built for Lambda, the template as packaged by
the Serverless Framework v3 (offline), and bare interpreters of the deployed Python."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from deploy import build
from deploy.invoke import LambdaFailed, function_of, package_template, unzip

#: Parameters of a stage that exists nowhere: packaging must need no account and no network.
CI_PARAMS = {
    "databaseUrl": "postgresql+psycopg://tourism_app@db.internal:5432/tourism",
    "publicBaseUrl": "https://tourism.example.vn",
    "mediaBucket": "tourism-media-ci",
    "mediaPrefix": "media",
    "subnetIds": "subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f",
    "securityGroupIds": "sg-0123456789abcdef0",
}


def serverless_package(params: Mapping[str, str], into: Path) -> dict[str, Any]:
    """The template `serverless package` writes offline (a failure fails the test); the
    zips it packages are built first (cached)."""
    build.build(build.ARTEFACTS["tiler"])
    try:
        return package_template(params, into)
    except LambdaFailed as exc:
        pytest.fail(str(exc))


__all__ = ["CI_PARAMS", "function_of", "serverless_package"]


@pytest.fixture(scope="session")
def lambda_python() -> Path:
    """The interpreter of the deployed Python version (pyenv's), or a clear failure."""
    try:
        return build.target_python()
    except build.BuildError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def api_zip(lambda_python: Path) -> Path:
    """The api artefact, built as for a deploy (cached in .build/ on its inputs)."""
    return build.build(build.ARTEFACTS["api"], python=lambda_python)


@pytest.fixture(scope="session")
def runtime_folder(lambda_python: Path) -> Path:
    """What Lambda's runtime ships besides the standard library (boto3), never packaged."""
    return build.runtime_site(python=lambda_python)


@pytest.fixture(scope="session")
def api_task(api_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The api artefact unzipped into an empty folder."""
    return unzip(api_zip, tmp_path_factory.mktemp("api") / "task")


@pytest.fixture(scope="session")
def ci_template(api_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The CloudFormation template of a made-up stage, packaged offline."""
    return serverless_package(CI_PARAMS, tmp_path_factory.mktemp("sls"))
