"""Servers under test: uvicorn subprocesses on free loopback ports, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.proc import cpu_seconds as process_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    """A server that would not start or answer its health check."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without TOURISM_*/TIPG_*/DATABASE_URL, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TOURISM_", "TIPG_", "BENCH_")) and k != "DATABASE_URL"}
    env.update(extra)
    return env


class Server:
    """`uvicorn APP` with one worker, no access log, in its own process group."""

    def __init__(self, name: str, app: str, env: dict[str, str], logdir: Path,
                 health_path: str = "/healthz"):
        self.name = name
        self.app = app
        self.env = env
        self.port = free_port()
        self.health_path = health_path
        self.log = logdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that serves the app on self.port."""
        return [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "1", "--no-access-log",
                "--log-level", "warning"]

    def start(self, timeout_s: float) -> Server:
        """Start the server and wait until its health check answers 200."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.port}{self.health_path}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"{self.name} exited ({self.proc.returncode}): {self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise ServerFailed(f"{self.name} not ready after {timeout_s:.0f} s: {self.tail()}")

    def tail(self, chars: int = 2000) -> str:
        """The end of the server's log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def peak_rss_mb(self) -> float:
        """VmHWM (peak resident set) of the server process, in MB."""
        if self.proc is None:
            return float("nan")
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server process (all its threads) has used."""
        if self.proc is None:
            return float("nan")
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; only this server's own process group."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
