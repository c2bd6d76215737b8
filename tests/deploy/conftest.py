"""Fixtures of the deploy tests: the artefacts as built for Lambda, the template as packaged by
the Serverless Framework v3 (offline), and bare interpreters of the deployed Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from deploy import build
from deploy.invoke import unzip
from tests.conftest import ROOT

SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"
#: Parameters of a stage that exists nowhere: packaging must need no account and no network.
CI_PARAMS = {
    "databaseUrl": "postgresql+psycopg://tourism_app@db.internal:5432/tourism",
    "publicBaseUrl": "https://tourism.example.vn",
    "mediaBucket": "tourism-media-ci",
    "mediaPrefix": "media",
    "subnetIds": "subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f",
    "securityGroupIds": "sg-0123456789abcdef0",
}


def _offline_prefix() -> list[str]:
    """`unshare -n` (a network namespace with no interface) when this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True,
                                  check=False).returncode == 0:
        return [unshare, "-n"]
    return []


def serverless_package(params: Mapping[str, str], into: Path, *, stage: str = "ci"
                       ) -> dict[str, Any]:
    """`serverless package` without network, login or AWS account; gives the update template."""
    if not SERVERLESS.is_file():
        pytest.fail("node_modules/.bin/serverless is missing: `make test` installs it (npm ci)")
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(into / "home"),
                   "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
                   "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_EC2_METADATA_DISABLED": "true"}
    command = [*_offline_prefix(), str(SERVERLESS), "package", "--stage", stage,
               "--region", "ap-southeast-1", "--package", str(into / "package")]
    for name, value in params.items():
        command += ["--param", f"{name}={value}"]
    result = subprocess.run(command, capture_output=True, text=True, env=environment,
                            cwd=ROOT, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    template: dict[str, Any] = json.loads(
        (into / "package" / "cloudformation-template-update-stack.json").read_text())
    return template


def function_of(template: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The properties of one function's AWS::Lambda::Function resource."""
    logical = f"{name.capitalize()}LambdaFunction"
    properties: dict[str, Any] = template["Resources"][logical]["Properties"]
    return properties


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
