"""wrk (Debian's package, C and LuaJIT on epoll) as the load client of the peer comparison.

Each run replays prebuilt raw HTTP/1.1 requests (bench.httpclient's bytes) in turn, from a
given one on, on keep-alive connections from one thread, counts as failed every answer that
is not a 200 or carries GraphQL `errors`, and reports its figures as one JSON line from a Lua
`done` hook.
The CPU it used itself is read from the kernel's account of reaped children.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.httpclient import HOST

_SCRIPT = r"""
local function unhex(s)
  return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end
local raw = { %s }
local reqs, n, i = {}, #raw, 0
for k = 1, n do reqs[k] = unhex(raw[k]) end
raw = nil
bad, first_bad = 0, ""

init = function(args)
  i = (tonumber(args[1]) or 0) %% n
end

request = function()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 200) end
  end
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local failed, first = 0, ""
  for _, t in ipairs(threads) do
    failed = failed + t:get("bad")
    if first == "" then first = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "bad": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p95_us": %%d, "first_bad": "%%s"}\n',
    summary.requests, summary.duration, failed, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95),
    (first:gsub('[%%c"\\]', "?"))))
end
"""


class WrkFailed(RuntimeError):
    """wrk is missing, failed, or saw failed answers."""


@dataclass(frozen=True)
class Run:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    #: CPU seconds wrk itself used (user + system).
    client_cpu_s: float

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def binary() -> str:
    """The wrk executable (`make bench` installs Debian's package)."""
    found = shutil.which("wrk")
    if found is None:
        raise WrkFailed("wrk not found: `make bench` installs it (apt-get install wrk)")
    return found


def version() -> str:
    """wrk's version line."""
    result = subprocess.run([binary(), "--version"], capture_output=True, text=True,
                            check=False)
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0]


def write_script(path: Path, requests: Sequence[bytes]) -> Path:
    """A Lua script that replays these raw requests in turn."""
    body = ",\n".join(f'"{raw.hex()}"' for raw in requests)
    path.write_text(_SCRIPT % body)
    return path


def run(port: int, script: Path, *, connections: int, seconds: int, start: int = 0,
        timeout_s: float = 30.0) -> Run:
    """One wrk run against 127.0.0.1:port for `seconds`, from the script's request `start`
    on; raises on any failed answer."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [binary(), "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s:g}s",
           "-s", str(script), f"http://{HOST}:{port}/", "--", str(start)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False,
                            timeout=seconds + timeout_s + 30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRK ")), None)
    if result.returncode != 0 or line is None:
        raise WrkFailed(f"wrk failed ({result.returncode}): {result.stderr[-1000:]} "
                        f"{result.stdout[-1000:]}")
    found = json.loads(line[4:])
    if found["bad"] or found["socket_errors"]:
        raise WrkFailed(f"port {port}: {found['bad']} failed answers, "
                        f"{found['socket_errors']} socket errors; first: {found['first_bad']}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(requests=int(found["requests"]), seconds=found["duration_us"] / 1e6,
               p50_ms=found["p50_us"] / 1000.0, p95_ms=found["p95_us"] / 1000.0,
               client_cpu_s=cpu)
