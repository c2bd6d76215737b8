"""CPU time of the processes under test, read from /proc (Linux): a server process (all its
threads), and a PostgreSQL cluster (the postmaster, its live children, and the children it
has already reaped, so that a backend that exits mid-measure is still counted)."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    # the command name (field 2) is in parentheses and may hold spaces
    return raw[raw.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its threads so far."""
    fields = _stat(pid)  # fields[0] is field 3 (state): utime is field 14, stime 15
    return (int(fields[11]) + int(fields[12])) / _TICK


def _reaped_seconds(pid: int) -> float:
    fields = _stat(pid)  # cutime is field 16, cstime 17
    return (int(fields[13]) + int(fields[14])) / _TICK


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:  # field 4: ppid
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def postmaster_pid(data_dir: Path) -> int:
    """The postmaster's pid, from the first line of its postmaster.pid."""
    return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])


def cluster_cpu_seconds(postmaster: int) -> float:
    """CPU seconds of a whole PostgreSQL cluster so far: the postmaster, its live children
    (backends, background workers) and the ones it has reaped."""
    total = cpu_seconds(postmaster) + _reaped_seconds(postmaster)
    for child in _children(postmaster):
        try:
            total += cpu_seconds(child)
        except OSError:  # exited in between: the postmaster's reaped time has it
            continue
    return total
