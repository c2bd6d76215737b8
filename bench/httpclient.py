"""A lean HTTP/1.1 keep-alive load client on asyncio streams (127.0.0.1 only).

Requests are prebuilt bytes, so the client's cost per request is a write and a parse of the
status line and headers: far below httpx's, and the same for every server compared.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"


class HttpError(RuntimeError):
    """A malformed answer, an unexpected status or a timeout."""


def post_json(port: int, path: str, payload: dict[str, Any],
              headers: dict[str, str] | None = None) -> bytes:
    """A complete POST request with a JSON body, ready to send on a keep-alive connection."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Accept-Encoding: identity\r\n{extra}Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def get(port: int, target: str, accept: str = "application/json") -> bytes:
    """A complete GET request for a path with its query string."""
    return (f"GET {target} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: {accept}\r\n"
            "Accept-Encoding: identity\r\n\r\n").encode()


class Connection:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int, timeout_s: float):
        self.port = port
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        return self._reader, self._writer

    async def close(self) -> None:
        """Close the socket."""
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one prebuilt request; the status code and the body."""
        try:
            return await asyncio.wait_for(self._exchange(raw), self.timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            await self.close()
            raise HttpError(f"request to port {self.port} failed: {exc!r}") from exc

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = -1, False, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if chunked:
            body = await _read_chunked(reader)
        elif length >= 0:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            close = True
        if close:
            await self.close()
        return status, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    for _ in range(1_000_000):
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    raise HttpError("too many chunks")


async def fetch(port: int, raw: bytes, timeout_s: float = 30.0) -> tuple[int, bytes]:
    """One request on a fresh connection (checks, not timing)."""
    conn = Connection(port, timeout_s)
    try:
        return await conn.request(raw)
    finally:
        await conn.close()


async def interleaved(ports: Sequence[int], warmups: Sequence[Sequence[bytes]],
                      timed: Sequence[Sequence[bytes]], chunk: int,
                      timeout_s: float) -> list[list[float]]:
    """One client per server, one request at a time, servers taking turns every `chunk`
    requests (the order of the turn flips each time), so that noise from the rest of the
    machine falls on all of them alike. The latency of each timed request, in ms."""
    conns = [Connection(port, timeout_s) for port in ports]
    samples: list[list[float]] = [[] for _ in ports]
    gc.collect()
    gc.disable()
    try:
        for conn, warm in zip(conns, warmups, strict=True):
            for raw in warm:
                await _checked(conn, raw)
        count = min(len(t) for t in timed)
        for turn, start in enumerate(range(0, count, chunk)):
            order = list(range(len(conns)))
            for k in order if turn % 2 == 0 else order[::-1]:
                for raw in timed[k][start:start + chunk]:
                    began = time.perf_counter()
                    await _checked(conns[k], raw)
                    samples[k].append((time.perf_counter() - began) * 1000.0)
    finally:
        gc.enable()
        for conn in conns:
            await conn.close()
    return samples


def failed(status: int, body: bytes) -> bool:
    """Not a success: a status other than 200, or a GraphQL answer without data."""
    return status != 200 or body.startswith(b'{"data":null')


async def _checked(conn: Connection, raw: bytes) -> bytes:
    status, body = await conn.request(raw)
    if failed(status, body):
        raise HttpError(f"status {status} from port {conn.port}: {body[:300]!r}")
    return body


@dataclass(frozen=True)
class Throughput:
    """What a concurrent run did."""

    requests: int
    seconds: float
    errors: int
    #: CPU seconds the load client itself used (to show it does not starve the servers).
    client_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


async def concurrent(port: int, requests: Sequence[bytes], *, clients: int, seconds: float,
                     warmup_seconds: float, max_requests: int, timeout_s: float) -> Throughput:
    """`clients` keep-alive connections sending back to back for `seconds` (after a warm-up)."""
    await _drive(port, requests, clients, warmup_seconds, max_requests, timeout_s)
    gc.collect()
    gc.disable()
    cpu = time.process_time()
    try:
        found = await _drive(port, requests, clients, seconds, max_requests, timeout_s)
    finally:
        gc.enable()
    return Throughput(found.requests, found.seconds, found.errors, time.process_time() - cpu)


async def _drive(port: int, requests: Sequence[bytes], clients: int, seconds: float,
                 max_requests: int, timeout_s: float) -> Throughput:
    next_index = 0
    done = errors = 0
    first_error = ""
    start = time.perf_counter()
    deadline = start + seconds

    async def client() -> None:
        nonlocal next_index, done, errors, first_error
        conn = Connection(port, timeout_s)
        try:
            while time.perf_counter() < deadline and next_index < max_requests:
                raw = requests[next_index % len(requests)]
                next_index += 1
                try:
                    status, body = await conn.request(raw)
                except HttpError as exc:
                    status, body = 0, str(exc).encode()
                if not failed(status, body):
                    done += 1
                else:
                    errors += 1
                    first_error = first_error or f"status {status}: {body[:300]!r}"
                    if errors > 50:
                        raise HttpError(f"more than 50 failed requests on port {port}, "
                                        f"the first: {first_error}")
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return Throughput(requests=done, seconds=time.perf_counter() - start, errors=errors)
