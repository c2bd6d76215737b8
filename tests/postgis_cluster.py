"""A throwaway PostgreSQL + PostGIS cluster: initdb in a temporary folder, a free port."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed, or the cluster would not start."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ClusterUnavailable("initdb not found: install Debian's postgresql package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgisCluster:
    """Start with start(), connect with url, end with stop()."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="tourism-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "tourism"
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterUnavailable("running as root and no postgres user") from exc
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's database."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/tourism"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise ClusterUnavailable(f"{' '.join(args[:2])} failed: {result.stderr[-2000:]}")

    def start(self) -> PostgisCluster:
        """initdb, start on a free port, create the database and the postgis extension."""
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                  "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200 -c shared_buffers=256MB")
        self._options = options
        self.resume()
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", self.user, "tourism")
        self._run(str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", self.user, "-d", "tourism", "-v", "ON_ERROR_STOP=1",
                  "-c", "CREATE EXTENSION postgis")
        return self

    def pause(self) -> None:
        """Stop the server, keeping its data: an outage, until resume()."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop")

    def resume(self) -> None:
        """Start the server on its port (again)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", self._options,
                  "-l", str(self.root / "log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the cluster and remove its folder."""
        subprocess.run([*self._as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "-w", "stop"], capture_output=True, check=False)
        for _ in range(20):
            try:
                shutil.rmtree(self.root)
                return
            except OSError:
                time.sleep(0.2)


if __name__ == "__main__":
    cluster = PostgisCluster().start()
    print(cluster.url)
    cluster.stop()
