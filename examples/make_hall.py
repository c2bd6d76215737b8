"""Draws examples/hall.jpg, the sample panorama of README's `tourism panorama add` example:
the demo's synthetic main hall of Chùa Bà Thiên Hậu (sky, ground, horizon, compass points
from a north offset of 200°, a 15° grid), 2048×1024. Run: `.venv/bin/python examples/make_hall.py`.
"""

from __future__ import annotations

from pathlib import Path

from tours.demo import draw_panorama

HALL = Path(__file__).resolve().parent / "hall.jpg"


def hall_panorama() -> bytes:
    """The sample panorama's JPEG bytes."""
    return draw_panorama("Chính điện", 200.0, (110, 150, 205), (120, 40, 30), width=2048,
                         grid=True, quality=80)


if __name__ == "__main__":
    HALL.write_bytes(hall_panorama())
    print(f"{HALL}: {HALL.stat().st_size} bytes")
