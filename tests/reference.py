"""Independent references for checking answers: GeographicLib geodesics, the demo records."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from geographiclib.geodesic import Geodesic

DEMO = Path(__file__).resolve().parent.parent / "geo" / "demo" / "destinations.json"


@lru_cache(maxsize=1)
def demo_records() -> list[dict[str, Any]]:
    """The demo destinations as written in the data file."""
    records: list[dict[str, Any]] = json.loads(DEMO.read_text("utf-8"))["destinations"]
    return records


def geodesic_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """WGS84 geodesic distance in metres (Karney's algorithm)."""
    return float(Geodesic.WGS84.Inverse(lat1, lng1, lat2, lng2)["s12"])


def distance_to_polyline_m(lat: float, lng: float, line: list[tuple[float, float]],
                           step_m: float = 20.0) -> float:
    """Distance from a point to a polyline of (lng, lat), by sampling the geodesic segments."""
    best = float("inf")
    for (lng1, lat1), (lng2, lat2) in zip(line, line[1:], strict=False):
        segment = Geodesic.WGS84.InverseLine(lat1, lng1, lat2, lng2)
        steps = max(1, int(segment.s13 / step_m))
        for i in range(steps + 1):
            pos = segment.Position(segment.s13 * i / steps)
            best = min(best, geodesic_m(lat, lng, pos["lat2"], pos["lon2"]))
    return best
