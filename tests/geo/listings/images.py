"""Test images made with Pillow: a photo with EXIF orientation and GPS, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def phone_photo(width: int = 1200, height: int = 800) -> bytes:
    """A JPEG as a phone writes it: stored sideways (orientation 6 = rotate 90° clockwise to
    view), with GPS coordinates and a camera model in its EXIF; a red block at its stored
    top-left corner, blue elsewhere."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x0110] = "Test Phone 9"  # Model
    exif[GPS_IFD] = {1: "N", 2: (10.0, 58.0, 12.0), 3: "E", 4: (106.0, 39.0, 36.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A tiny PNG that claims side×side pixels (a decompression bomb): one IDAT of zeros."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))


def not_an_image() -> bytes:
    return b"<?php system($_GET['c']); ?>" + b"\x00" * 64


def truncated_jpeg() -> bytes:
    return phone_photo()[:600]
