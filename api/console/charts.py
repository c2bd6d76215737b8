"""The geometry of the Numbers page's charts, drawn by the server as inline SVG (no script, and
attributes only: the console's CSP admits no inline style): grouped bars of scans, plays and
views per day, and per site, language or channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from qr.usage import Totals

#: The series of every chart, in the order their bars stand.
SERIES = ("scans", "plays", "views")
WIDTH = 720.0
HEIGHT = 240.0
#: Room for the axis labels: left of the bars, and below them.
LEFT = 44.0
BOTTOM = 24.0
ROW = 30.0
LABEL_W = 160.0


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its series, where it stands, and what it says on hover."""

    series: str
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's bars, axis labels and drawing size."""

    width: float
    height: float
    bars: list[Bar]
    #: (x, y, text, text-anchor) of each axis label.
    labels: list[tuple[float, float, str, str]]
    top: int


def days_of(since: date, until: date) -> list[date]:
    """Every day of a period, the first to the last."""
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


def _value(totals: Totals, series: str) -> int:
    return int(getattr(totals, series))


def day_chart(days: Sequence[date], by_day: Mapping[date, Totals]) -> Chart:
    """Bars of scans, plays and views for each day (days without any stand empty)."""
    top = max((_value(t, s) for t in by_day.values() for s in SERIES), default=0)
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM
    slot = plot_w / max(len(days), 1)
    width = slot * 0.8 / len(SERIES)
    bars = []
    for i, day in enumerate(days):
        totals = by_day.get(day, Totals())
        for j, series in enumerate(SERIES):
            value = _value(totals, series)
            height = plot_h * value / top if top else 0.0
            bars.append(Bar(series=series, x=round(LEFT + i * slot + slot * 0.1 + j * width, 2),
                            y=round(plot_h - height, 2), width=round(width, 2),
                            height=round(height, 2), value=value, label=day.isoformat()))
    marks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    anchors = {0: "start", len(days) - 1: "end"}
    labels = [(round(LEFT + i * slot + slot / 2, 2), HEIGHT - 6, days[i].strftime("%d/%m"),
               anchors.get(i, "middle")) for i in marks]
    labels += [(LEFT - 6, 12.0, str(top), "end"), (LEFT - 6, plot_h, "0", "end")]
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, labels=labels, top=top)


def share_chart(groups: Mapping[str, Totals]) -> Chart:
    """Horizontal bars of scans, plays and views for each group (site, language, channel),
    its name at the left."""
    top = max((_value(t, s) for t in groups.values() for s in SERIES), default=0)
    plot_w = WIDTH - LABEL_W - 8
    thickness = (ROW - 6) / len(SERIES)
    bars: list[Bar] = []
    labels: list[tuple[float, float, str, str]] = []
    for i, (name, totals) in enumerate(groups.items()):
        labels.append((LABEL_W - 6, round(i * ROW + ROW / 2 + 4, 2), name[:24], "end"))
        for j, series in enumerate(SERIES):
            value = _value(totals, series)
            bars.append(Bar(series=series, x=LABEL_W,
                            y=round(i * ROW + 3 + j * thickness, 2),
                            width=round(plot_w * value / top if top else 0.0, 2),
                            height=round(thickness, 2), value=value, label=name))
    return Chart(width=WIDTH, height=max(len(groups), 1) * ROW, bars=bars, labels=labels,
                 top=top)
