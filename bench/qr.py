"""QR scan benchmark: `GET /q/{code}` of the real app (SpatiaLite, demo data) beside a bare
Starlette route that returns the same page from memory, both under uvicorn in the same run,
taking turns round after round (the machine is shared: each ratio is the median of the
rounds' ratios, so that a neighbour's load falls on both sides); and the time to build an A4
print sheet of 200 codes.

Run alone with `python -m bench.qr`; `bench/__main__.py` calls `main()`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bench.servers import Server, clean_env

CODE = "THAU23"
TARGET = f"/q/{CODE}?lang=en"
CONNECTIONS = 8
REQUESTS_PER_CONNECTION = 100
ROUNDS = 5
WARMUP = 50


def _bare_app() -> Starlette:
    page = Path(os.environ.get("BENCH_QR_PAGE", "/dev/null")).read_bytes()

    async def scan(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/q/{code}", scan), Route("/healthz", healthz)])


#: The reference: the same page from memory (uvicorn imports `bench.qr:bare_app`).
bare_app = _bare_app() if os.environ.get("BENCH_QR_PAGE") else None


async def _one_connection(port: int, count: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {TARGET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n"
               "Accept-Encoding: identity\r\n\r\n").encode()
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected answer {head[:40]!r}")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _load(port: int) -> tuple[float, float]:
    """(requests per second, p50 in ms) over a fixed number of requests."""
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_one_connection(port, REQUESTS_PER_CONNECTION, latencies)
                           for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


async def _seed(url: str, media: Path, base: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.pool import NullPool

    from api.db import make_async_engine
    from api.seed import seed_all
    from media.store import LocalStore

    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await seed_all(session=session, store=LocalStore(
                media, public_base_url=base, secret_key="bench" * 8), if_empty=True)
            await session.commit()
    finally:
        await engine.dispose()


async def _rounds(ports: dict[str, int]) -> list[dict[str, tuple[float, float]]]:
    """Each server's (requests per second, p50 in ms), ROUNDS times, the servers taking
    turns within each round."""
    for port in ports.values():
        await _one_connection(port, WARMUP, [])
    return [{name: await _load(port) for name, port in ports.items()} for _ in range(ROUNDS)]


def sheet_seconds(count: int = 200) -> float:
    """Seconds to build an A4 PDF print sheet of `count` codes."""
    from qr.codes import new_code, scan_url
    from qr.sheet import Label, pdf_sheet

    labels = [Label(code=(code := new_code()), url=scan_url("https://guide.example.vn", code),
                    title_vi="Chính điện thờ Bà Thiên Hậu", title_en="Main hall of Lady Thien Hau")
              for _ in range(count)]
    started = time.perf_counter()
    pdf_sheet(labels)
    return time.perf_counter() - started


def main() -> None:
    """Prints the BENCH lines of the QR scan and the print sheet."""
    from api import migrations

    with tempfile.TemporaryDirectory(prefix="bench-qr-") as folder:
        root = Path(folder)
        url = f"sqlite:///{root}/bench.sqlite"
        base = "http://127.0.0.1"
        migrations.upgrade(url)
        asyncio.run(_seed(url, root / "media", base))
        common = {"TOURISM_DATABASE_URL": url, "TOURISM_MEDIA_URL": f"file://{root}/media",
                  "TOURISM_PUBLIC_BASE_URL": base, "TOURISM_QR_RATE_PER_MINUTE": "1e12",
                  "TOURISM_QR_BURST": "1000000000",
                  "TOURISM_RATE_LIMIT_CLIENT_PER_MINUTE": "1000000000",
                  "TOURISM_RATE_LIMIT_CLIENT_BURST": "1000000000",
                  "TOURISM_SECRET_KEY": "bench-secret-key-0123456789abcdef0123"}
        servers: dict[str, Server] = {}
        try:
            for name, extra in (("app", {}),
                                ("app_uncached", {"TOURISM_QR_CACHE_SECONDS": "0"})):
                servers[name] = Server(f"qr-{name}", "api.asgi:app",
                                       clean_env(**common, **extra), root).start(60)
            import httpx

            answer = httpx.get(f"http://127.0.0.1:{servers['app'].port}{TARGET}")
            answer.raise_for_status()
            (root / "page.html").write_bytes(answer.content)
            servers["bare"] = Server("qr-bare", "bench.qr:bare_app", clean_env(
                BENCH_QR_PAGE=str(root / "page.html")), root).start(60)
            rounds = asyncio.run(_rounds({name: one.port for name, one in servers.items()}))
        finally:
            for server in servers.values():
                server.stop()

    def median(name: str, at: int) -> float:
        return statistics.median(r[name][at] for r in rounds)

    def ratio(name: str) -> float:
        return statistics.median(r[name][0] / r["bare"][0] for r in rounds)

    print(f"BENCH qr_scan_rps {median('app', 0):.0f} req/s")
    print(f"BENCH qr_scan_p50 {median('app', 1):.2f} ms")
    print(f"BENCH qr_bare_page_rps {median('bare', 0):.0f} req/s")
    print(f"BENCH qr_bare_page_p50 {median('bare', 1):.2f} ms")
    print(f"BENCH qr_scan_vs_bare_rps {ratio('app'):.2f} ratio")
    print(f"BENCH qr_scan_uncached_rps {median('app_uncached', 0):.0f} req/s")
    print(f"BENCH qr_scan_uncached_p50 {median('app_uncached', 1):.2f} ms")
    print(f"BENCH qr_scan_uncached_vs_bare_rps {ratio('app_uncached'):.2f} ratio")
    print(f"BENCH qr_sheet_200_codes {sheet_seconds():.2f} s")


if __name__ == "__main__":
    main()
