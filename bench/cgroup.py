"""A Lambda-sized cgroup for benchmarks: the memory and CPU share of a 1024 MB function
(1024 MiB, 0.58 of one core), on cgroup v2 or v1, as root. Processes join it before exec."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


class CgroupUnavailable(RuntimeError):
    """This machine does not let us create a cgroup with memory and CPU limits."""


def _v1_path(controller: str) -> Path:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return ROOT / controller / path.lstrip("/")
    raise CgroupUnavailable(f"no {controller} cgroup (v1) for this process")


class LambdaCgroup:
    """`with LambdaCgroup() as group:` then `Popen(..., preexec_fn=group.join)`."""

    def __init__(self, *, memory_mib: int = 1024, cpu_share: float = 0.58,
                 period_us: int = 100_000) -> None:
        self.memory = memory_mib * 2**20
        self.period_us = period_us
        self.quota_us = round(cpu_share * period_us)
        self.name = f"tourism-bench-{uuid.uuid4().hex[:8]}"
        self.folders: list[Path] = []
        self.procs: list[str] = []

    def describe(self) -> str:
        """What the limits are, for the report."""
        return (f"memory {self.memory // 2**20} MiB, cpu {self.quota_us}/{self.period_us} us "
                f"({'v2' if self._v2() else 'v1'} {', '.join(map(str, self.folders))})")

    @staticmethod
    def _v2() -> bool:
        return (ROOT / "cgroup.controllers").is_file()

    def __enter__(self) -> LambdaCgroup:
        try:
            if self._v2():
                enabled = (ROOT / "cgroup.subtree_control").read_text().split()
                if not {"cpu", "memory"} <= set(enabled):
                    raise CgroupUnavailable(f"cgroup v2 root enables only {enabled}")
                folder = ROOT / self.name
                folder.mkdir()
                self.folders = [folder]
                (folder / "memory.max").write_text(str(self.memory))
                (folder / "memory.swap.max").write_text("0")
                (folder / "cpu.max").write_text(f"{self.quota_us} {self.period_us}")
            else:
                memory = _v1_path("memory") / self.name
                cpu = _v1_path("cpu") / self.name
                for folder in (memory, cpu):
                    folder.mkdir()
                    self.folders.append(folder)
                (memory / "memory.limit_in_bytes").write_text(str(self.memory))
                (cpu / "cpu.cfs_period_us").write_text(str(self.period_us))
                (cpu / "cpu.cfs_quota_us").write_text(str(self.quota_us))
        except OSError as exc:
            self.__exit__()
            raise CgroupUnavailable(f"cannot create a cgroup (run as root): {exc}") from exc
        self.procs = [str(folder / "cgroup.procs") for folder in self.folders]
        return self

    def join(self) -> None:
        """Moves the calling process into the cgroup (a Popen preexec_fn)."""
        for procs in self.procs:
            with open(procs, "w") as sink:
                sink.write(str(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        for folder in reversed(self.folders):
            try:
                folder.rmdir()
            except OSError:
                pass
        self.folders = []
