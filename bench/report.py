"""Figures and notes as the benchmark prints them: `BENCH name value unit` and `# ...`."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    """The median, NaN when there is nothing."""
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is zero or missing."""
    return a / b if b and not math.isnan(b) else float("nan")


class Report:
    """Prints each figure as it comes and keeps them for the summary at the end."""

    def __init__(self) -> None:
        self.figures: dict[str, tuple[float, str]] = {}

    def bench(self, name: str, value: float, unit: str) -> float:
        """One `BENCH name value unit` line."""
        self.figures[name] = (value, unit)
        print(f"BENCH {name} {_fmt(value)} {unit}", flush=True)
        return value

    def note(self, text: str) -> None:
        """Human-readable lines, each prefixed with '# '."""
        for line in text.splitlines() or [""]:
            print(f"# {line}", flush=True)

    def get(self, name: str) -> float:
        """A figure already reported, NaN when absent."""
        return self.figures.get(name, (float("nan"), ""))[0]

    def summary(self) -> None:
        """Every figure again, together, as comments (each BENCH line is printed once)."""
        self.note("summary:")
        for name, (value, unit) in self.figures.items():
            self.note(f"  {name:<40} {_fmt(value):>8} {unit}")


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
