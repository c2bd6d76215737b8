"""Tiler benchmark: a 16384×8192 upload through the API (PENDING at once), then the packaged
`tiler` function, in a bare Python 3.13 in a cgroup of its Lambda size (2048 MB: 1.16 of a
core), tiles it from its S3 event against PostGIS and moto's S3 with 20 ms added to every S3
request by a loopback proxy in front of moto (what a PUT to S3 costs from a Lambda in the same
region). Wall time and peak memory (the function's VmHWM) of the invocation.

The reference, in the same run and the same cgroup: the same invocation for another upload
of the same size straight to moto (no latency). Run alone with `python -m bench.lambda_tiler`
(BENCH_TILER_WIDTH, default 16384).
"""

from __future__ import annotations

import asyncio
import http.client
import io
import logging
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

import numpy as np
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts.permissions import Actor, Role
from api.db import make_async_engine
from bench.cgroup import CgroupUnavailable, LambdaCgroup
from deploy import build
from deploy.invoke import package_template, unzip
from media import service as media_service

LATENCY_S = 0.020
MEMORY_MB = 2048  # serverless.yml's tiler
EDITOR = Actor(role=Role.EDITOR, account_id=0)
PARAMS = {"publicBaseUrl": "https://tourism.example.vn", "mediaPrefix": "media",
          "subnetIds": "subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f",
          "securityGroupIds": "sg-0123456789abcdef0", "ssmPrefix": "/tourism/tiler-bench"}


class LatencyProxy:
    """A loopback HTTP server that forwards every request to `target` after `delay` seconds."""

    def __init__(self, target: str, delay: float) -> None:
        parts = urlsplit(target)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(delay)
                upstream = http.client.HTTPConnection(host, port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body,
                                     headers=dict(self.headers.items()))
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding",
                                            "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def panorama_jpeg(width: int, seed: int = 0) -> bytes:
    """A photo-like synthetic panorama (smooth colour and texture) as a JPEG."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 255, (width // 128, width // 64, 3), np.uint8))
    picture = small.resize((width, width // 2), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


async def _upload(admin_url: str, store: Any, data: bytes) -> tuple[str, float]:
    engine = make_async_engine(admin_url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            issued = await media_service.request_panorama_upload(
                session=session, store=store, actor=EDITOR, content_type="image/jpeg")
            await session.commit()
            store.put(issued.key, data, "image/jpeg")
            began = time.perf_counter()
            await media_service.add_panorama_from_upload(session=session, store=store,
                                                         actor=EDITOR, key=issued.key)
            await session.commit()
            return issued.key, time.perf_counter() - began
    finally:
        await engine.dispose()


def _event(bucket: str, key: str) -> dict[str, Any]:
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": bucket},
                                "object": {"key": quote_plus(f"media/{key}")}}}]}


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(width: int) -> None:
    """BENCH lines of the tiler with and without the S3 latency."""
    from moto.server import ThreadedMotoServer

    from tests.deploy.stage import container, prepare_stage
    from tests.postgis_cluster import PostgisCluster

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    python = build.target_python()
    runtime = build.runtime_site(python=python)
    cluster = PostgisCluster().start()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    proxy = LatencyProxy(f"http://{host}:{port}", LATENCY_S)
    try:
        stage = prepare_stage(cluster.url, f"http://{host}:{port}", database="tourism_bench",
                              role="tourism_bench", ssm_prefix=PARAMS["ssmPrefix"])
        images = {"direct": panorama_jpeg(width, 1), "s3_latency": panorama_jpeg(width, 2)}
        with tempfile.TemporaryDirectory(prefix="tourism-tiler-") as folder:
            api_task = unzip(build.build(build.ARTEFACTS["api"], python=python),
                             Path(folder) / "api")
            task = unzip(build.build(build.ARTEFACTS["tiler"], python=python),
                         Path(folder) / "tiler")
            template = package_template({**PARAMS, "databaseUrl": stage.app_url,
                                         "mediaBucket": stage.bucket}, Path(folder))
            with container(template, "migrate", stage, python=python, task=api_task,
                           runtime=runtime) as migrate:
                migrate.invoke({})
            figures: dict[str, tuple[float, float]] = {}
            pending_s = 0.0
            with LambdaCgroup(memory_mib=MEMORY_MB, cpu_share=MEMORY_MB / 1769) as group:
                print(f"# cgroup: {group.describe()}")
                for name, endpoint in (("direct", stage.endpoint), ("s3_latency", proxy.url)):
                    # another image each time: the same one would be READY at once
                    key, pending_s = asyncio.run(_upload(stage.admin_url, stage.store(),
                                                         images[name]))
                    stage.endpoint = endpoint  # the function's S3 and SSM go through it
                    with container(template, "tiler", stage, python=python, task=task,
                                   runtime=runtime, preexec=group.join) as tiler:
                        began = time.perf_counter()
                        answer = tiler.invoke(_event(stage.bucket, key))
                        wall = time.perf_counter() - began
                        assert tiler.process is not None
                        peak = _peak_mb(tiler.process.pid)
                    stage.endpoint = f"http://{host}:{port}"
                    if answer["panoramas"][0]["status"] != "ready":
                        raise RuntimeError(f"the tiler did not finish: {answer}")
                    figures[name] = (wall, peak)
    finally:
        proxy.close()
        moto.stop()
        cluster.stop()
    size = len(images["s3_latency"]) / 2**20
    print(f"# {width}×{width // 2}, {size:.1f} MiB JPEG, tiler in the cgroup, "
          f"{LATENCY_S * 1000:.0f} ms per S3 request through the proxy")
    print(f"BENCH tiler_api_pending_s {pending_s:.3f} s")
    wall, peak = figures["s3_latency"]
    print(f"BENCH tiler_{width}_s3_latency_s {wall:.1f} s")
    print(f"BENCH tiler_{width}_peak_mb {peak:.0f} MB")
    direct, direct_peak = figures["direct"]
    print(f"BENCH tiler_{width}_direct_s {direct:.1f} s")
    print(f"BENCH tiler_{width}_direct_peak_mb {direct_peak:.0f} MB")
    print(f"BENCH tiler_{width}_s3_latency_vs_direct {wall / direct:.2f} x")


def main() -> int:
    """Prints the tiler BENCH lines (skipped, saying why, without a cgroup)."""
    try:
        run(int(os.environ.get("BENCH_TILER_WIDTH", "16384")))
    except CgroupUnavailable as exc:
        print(f"# tiler benchmark skipped: {exc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
