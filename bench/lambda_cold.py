"""Lambda benchmark: the artefacts' sizes, and the api function's cold start (a new
interpreter imports the handler, reads its secrets from SSM, then answers a first GraphQL
query from PostGIS) in a Lambda-sized cgroup (1024 MiB, 0.58 of a core), median of several.

The reference, measured in the same cgroup in the same run: a bare interpreter that starts
and exits. The same cold start without the cgroup shows what the CPU share costs. Run alone
with `python -m bench.lambda_cold` (BENCH_LAMBDA_RUNS, default 7).
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.cgroup import LambdaCgroup
from deploy import build
from deploy.invoke import BareLambda, graphql_event, package_template, unzip

QUERY = """query { searchDestinations(text: "chua ba thien hau", first: 5, lang: "en") {
  edges { node { id name nameLang location { lat lng } } } } }"""
PARAMS = {"publicBaseUrl": "https://tourism.example.vn", "mediaPrefix": "media",
          "subnetIds": "subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f",
          "securityGroupIds": "sg-0123456789abcdef0", "ssmPrefix": "/tourism/ci"}


def sizes() -> None:
    """BENCH lines of each artefact's size, zipped and unzipped (Lambda's limit: 250 MiB)."""
    python = build.target_python()
    for name, artefact in sorted(build.ARTEFACTS.items()):
        path = build.build(artefact, python=python)
        print(f"BENCH lambda_{name}_zipped_mib {path.stat().st_size / 2**20:.1f} MiB")
        print(f"BENCH lambda_{name}_unzipped_mib {build.unzipped_bytes(path) / 2**20:.1f} MiB")


def _cold_start(start: BareLambda) -> tuple[float, float, float, float]:
    """(wall seconds to the first answer, INIT seconds, first answer seconds, CPU seconds)."""
    began = time.perf_counter()
    with start as function:
        answer = function.invoke_raw(graphql_event(QUERY))
        wall = time.perf_counter() - began
    if "error" in answer or answer["result"]["statusCode"] != 200:
        raise RuntimeError(f"the cold start did not answer: {answer}")
    return wall, function.init["seconds"], answer["seconds"], answer["cpu_seconds"]


def _bare_start(python: Path, group: LambdaCgroup) -> float:
    began = time.perf_counter()
    subprocess.run([str(python), "-I", "-S", "-c", "pass"], check=True, preexec_fn=group.join,
                   env={"PATH": "/usr/bin:/bin"})
    return time.perf_counter() - began


def cold_starts(runs: int) -> None:
    """BENCH lines of the api's cold start in the cgroup, beside the references."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log

    from tests.deploy.stage import container, prepare_stage, seed
    from tests.postgis_cluster import PostgisCluster

    python = build.target_python()
    runtime = build.runtime_site(python=python)
    cluster = PostgisCluster().start()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        stage = prepare_stage(cluster.url, f"http://{host}:{port}")
        with tempfile.TemporaryDirectory(prefix="tourism-lambda-") as folder:
            task = unzip(build.build(build.ARTEFACTS["api"], python=python),
                         Path(folder) / "task")
            template = package_template({**PARAMS, "databaseUrl": stage.app_url,
                                         "mediaBucket": stage.bucket}, Path(folder))

            def start(name: str, group: LambdaCgroup | None = None) -> BareLambda:
                return container(template, name, stage, python=python, task=task,
                                 runtime=runtime, preexec=group.join if group else None)

            with start("migrate") as migrate:
                migrate.invoke({})
            seed(stage)
            _cold_start(start("api"))  # once to warm the page cache: every run reads the same
            free = [_cold_start(start("api")) for _ in range(3)]
            with LambdaCgroup() as group:
                print(f"# cgroup: {group.describe()}")
                bare = [_bare_start(python, group) for _ in range(runs)]
                timed = [_cold_start(start("api", group)) for _ in range(runs)]
    finally:
        moto.stop()
        cluster.stop()
    wall, init, first, cpu = (statistics.median(values) for values in zip(*timed, strict=True))
    print(f"# {runs} cold starts in the cgroup, medians; a warm page cache (the machine is "
          "shared: read the ratios)")
    print(f"BENCH lambda_api_cold_start_s {wall:.2f} s")
    print(f"BENCH lambda_api_init_s {init:.2f} s")
    print(f"BENCH lambda_api_first_answer_s {first:.3f} s")
    print(f"BENCH lambda_api_cold_start_cpu_s {cpu:.2f} s")
    print(f"BENCH lambda_bare_interpreter_start_s {statistics.median(bare):.3f} s")
    unlimited = statistics.median(w for w, *_ in free)
    print(f"BENCH lambda_api_cold_start_full_cpu_s {unlimited:.2f} s")
    print(f"BENCH lambda_api_cold_start_cgroup_vs_full_cpu {wall / unlimited:.2f} x")


def main() -> int:
    """Prints the Lambda BENCH lines."""
    sizes()
    cold_starts(int(os.environ.get("BENCH_LAMBDA_RUNS", "7")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
