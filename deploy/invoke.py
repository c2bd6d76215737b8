"""Invoking an unzipped artefact in a bare interpreter (tests and benchmarks), and the API
Gateway HTTP API (v2) events that reach the `api` function."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "deploy" / "bare_lambda.py"
SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"
API_HOST = "abc123.execute-api.ap-southeast-1.amazonaws.com"


class LambdaFailed(RuntimeError):
    """The handler could not be imported, or the process ended before answering."""


def _offline_prefix() -> list[str]:
    """`unshare -n` (a network namespace with no interface) when this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True,
                                  check=False).returncode == 0:
        return [unshare, "-n"]
    return []


def package_template(params: Mapping[str, str], into: Path, *, stage: str = "ci"
                     ) -> dict[str, Any]:
    """`serverless package` (v3) without network, login or AWS account, into `into/package`;
    gives the CloudFormation update template."""
    if not SERVERLESS.is_file():
        raise LambdaFailed("node_modules/.bin/serverless is missing: run `npm ci`")
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
    if result.returncode != 0:
        raise LambdaFailed(f"serverless package failed:\n{result.stdout}{result.stderr}")
    template: dict[str, Any] = json.loads(
        (into / "package" / "cloudformation-template-update-stack.json").read_text())
    return template


def function_of(template: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The properties of one function's AWS::Lambda::Function resource."""
    properties: dict[str, Any] = template["Resources"][f"{name.capitalize()}LambdaFunction"][
        "Properties"]
    return properties


def unzip(artefact: Path, folder: Path) -> Path:
    """The artefact unpacked into an empty folder (Lambda's /var/task)."""
    folder.mkdir(parents=True, exist_ok=False)
    with zipfile.ZipFile(artefact) as archive:
        archive.extractall(folder)
    return folder


class BareLambda:
    """One Lambda container: a bare interpreter that imported the handler (INIT) and answers
    events one at a time. Use as a context manager."""

    def __init__(self, *, python: Path, task: Path, runtime: Path, handler: str,
                 environment: Mapping[str, str],
                 preexec: Callable[[], None] | None = None) -> None:
        self.command = [str(python), "-I", "-S", str(DRIVER), str(task), str(runtime), handler]
        # Nothing of this process's environment leaks in (no PATH to the venv, no PYTHON*).
        self.environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC",
                            "LAMBDA_TASK_ROOT": str(task), **environment}
        self.preexec = preexec
        self.init: dict[str, Any] = {}
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> BareLambda:
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=self.environment, cwd=self.environment["LAMBDA_TASK_ROOT"],
            preexec_fn=self.preexec)
        first = self._read()
        if "init" not in first:
            failed = LambdaFailed(f"INIT failed: {first.get('error')}\n{self._stderr()}")
            self.__exit__()  # the process and its pipes end here: no __exit__ comes
            raise failed
        self.init = first["init"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            if self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdout, self.process.stderr):
                if stream:
                    stream.close()

    def _stderr(self) -> str:
        if self.process is None or self.process.stderr is None:
            return ""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self.process.stderr.read()[-4000:]

    def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise LambdaFailed(f"the interpreter ended: {self._stderr()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def invoke_raw(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's answer to one event (result or error, with timings)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        return self._read()

    def invoke(self, event: Mapping[str, Any]) -> Any:
        """The handler's result for one event; LambdaFailed with the traceback if it raised."""
        answer = self.invoke_raw(event)
        if "error" in answer:
            raise LambdaFailed(answer["error"])
        return answer["result"]


def http_event(method: str, path: str, *, query: Mapping[str, str] | None = None,
               headers: Mapping[str, str] | None = None, body: bytes | None = None
               ) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as the `$default` route delivers it."""
    raw_query = urlencode(query or {})
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": raw_query,
        "headers": {"host": API_HOST, "user-agent": "tests", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": API_HOST,
            "domainPrefix": "abc123", "requestId": f"req-{os.urandom(4).hex()}",
            "routeKey": "$default", "stage": "$default", "time": "01/Dec/2026:10:00:00 +0000",
            "timeEpoch": 1796119200000,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "tests"},
        },
        "isBase64Encoded": body is not None,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
    return event


def graphql_event(query: str, variables: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A POST /graphql event carrying one operation."""
    body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    return http_event("POST", "/graphql", body=body,
                      headers={"content-type": "application/json", **(headers or {})})


def body_of(result: Mapping[str, Any]) -> bytes:
    """The body of an HTTP API answer (Mangum base64-encodes binary bodies)."""
    body = result.get("body") or ""
    return base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
