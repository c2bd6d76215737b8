"""Runs a Lambda handler the way the runtime does, in a bare interpreter (standard library only).

    python3.13 -I -S deploy/bare_lambda.py TASK_FOLDER RUNTIME_FOLDER MODULE.FUNCTION

`-I -S`: no site-packages, no user site, no PYTHON* variables. sys.path is the standard
library, then the unzipped artefact (Lambda's /var/task), then the folder standing for what
the runtime ships (boto3). Events arrive one JSON document a line on stdin; each answer is one
JSON line on stdout: {"result": ...} or {"error": ...}. The first line written is the INIT
report: how long the import took and which top-level modules it loaded.
"""

import importlib
import json
import sys
import time
import traceback

STARTED = time.perf_counter()
STARTED_CPU = time.process_time()


def _cpu() -> float:
    return time.process_time() - STARTED_CPU


def main() -> int:
    """Imports the handler, reports INIT, then answers events until stdin closes."""
    task, runtime, target = sys.argv[1], sys.argv[2], sys.argv[3]
    if (not (sys.flags.isolated and sys.flags.no_site)
            or any("site-packages" in p or "dist-packages" in p for p in sys.path)):
        print(json.dumps({"error": f"not a bare interpreter: {sys.path}"}), flush=True)
        return 2
    sys.path.insert(0, task)
    sys.path.append(runtime)
    module_name, function_name = target.rsplit(".", 1)
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except BaseException:  # report INIT failures like Lambda does: the traceback, then exit
        print(json.dumps({"error": traceback.format_exc()}), flush=True)
        return 1
    print(json.dumps({"init": {
        "seconds": time.perf_counter() - STARTED, "cpu_seconds": _cpu(),
        "modules": sorted({name.split(".")[0] for name in sys.modules}),
        "files": {name: getattr(sys.modules.get(name), "__file__", None)
                  for name in ("boto3", "botocore", "numpy", "sqlalchemy")},
        "sys_path": sys.path,
    }}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        began = time.perf_counter()
        try:
            result = handler(json.loads(line), None)
            answer = {"result": result}
        except BaseException:
            answer = {"error": traceback.format_exc()}
        answer["seconds"] = time.perf_counter() - began
        answer["since_start"] = time.perf_counter() - STARTED
        answer["cpu_seconds"] = _cpu()
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
