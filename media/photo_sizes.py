"""The sizes a photo is kept in (thumbnail, medium, large) and their pixels, without Pillow:
what the API tells a list view before it loads an image."""

from __future__ import annotations

#: Each variant's longest edge in pixels, smallest first.
SIZES = {"thumbnail": 320, "medium": 1024, "large": 2048}


def variant_size(width: int, height: int, name: str) -> tuple[int, int]:
    """The pixel size of a variant of an upright photo of this size: fitted within the
    variant's edge, never enlarged."""
    edge = SIZES[name]
    scale = min(1.0, edge / width, edge / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
