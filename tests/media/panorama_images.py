"""Test images with known content: direction-coloured panoramas and broken files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

#: 8 yaw sectors of 45° (starting at yaw −180°) × 4 pitch bands of 45° (top first).
SECTOR_COLOURS = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
                  (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230)]
BAND_SHADE = [1.0, 0.75, 0.5, 0.25]


def colour_at(yaw: float, pitch: float) -> tuple[int, int, int]:
    """The RGB colour the direction panorama has at (yaw, pitch) in degrees."""
    sector = int(((yaw + 180.0) % 360.0) // 45.0)
    band = min(3, int((90.0 - pitch) // 45.0))
    r, g, b = SECTOR_COLOURS[sector]
    shade = BAND_SHADE[band]
    return (int(r * shade), int(g * shade), int(b * shade))


def direction_panorama(width: int = 2048) -> Image.Image:
    """An equirectangular image whose colour says its direction (see colour_at)."""
    height = width // 2
    yaw = (np.arange(width) + 0.5) / width * 360.0 - 180.0
    pitch = 90.0 - (np.arange(height) + 0.5) / height * 180.0
    sector = (((yaw + 180.0) % 360.0) // 45.0).astype(int)
    band = np.minimum(3, ((90.0 - pitch) // 45.0).astype(int))
    colours = np.array(SECTOR_COLOURS, dtype=np.float64)
    shades = np.array(BAND_SHADE)
    rgb = colours[sector][None, :, :] * shades[band][:, None, None]
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def encoded(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    """The image encoded in a format."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size, holds one tiny IDAT, and ends properly."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
