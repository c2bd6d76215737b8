"""Benchmarks of the GraphQL API on PostGIS and SpatiaLite: run with `python -m bench`.

Every figure is printed as one line `BENCH <name> <value> <unit>`; other lines start with `#`.
It starts its own PostGIS cluster (tests/postgis_cluster.py) and uvicorn servers on free
loopback ports, and stops them at the end, on error and on SIGTERM.

Knobs (environment): BENCH_SIZES (default "10000,100000,1000000"; "10000" for a quick run),
BENCH_SPATIALITE_ROWS (100000; 0 skips SpatiaLite), BENCH_LATENCY_ROUNDS/_REQUESTS/_WARMUP,
BENCH_CLIENTS, BENCH_RPS_ROUNDS/_SECONDS/_WARMUP/_MAX_REQUESTS, BENCH_BBOX_DEG; the peer
(PostGraphile, bench/peer.py): BENCH_PEER_SIZES ("100000,1000000"), BENCH_PEER_ROUNDS/_SECONDS/
_LATENCY_SECONDS/_WARMUP. `python -m bench --only peer` runs one part (see bench/__main__.py).
`python -m bench.breakdown` times the layers of one request in process (optional).
"""
