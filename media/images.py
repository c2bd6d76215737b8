"""Checking and decoding uploaded equirectangular images before any pixel is trusted.

`probe` reads only the header (Pillow) and refuses what the service will not decode: formats
outside JPEG/PNG/WebP, non-2:1 images, images over the pixel budget, decompression bombs,
truncated files. `decode` then decodes once into a tight BGR array: JPEGs with libjpeg-turbo
(simplejpeg) straight into the one array (OpenCV's imdecode holds a second full copy, Pillow's
RGB mode pads to 32 bits: either costs 400 MB more at 16384×8192), PNG and WebP with OpenCV.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from media.errors import PanoramaError
from media.errors import PanoramaErrorCode as Code

#: Pillow format name -> (content type, extension) of the formats a panorama may come in.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = frozenset(t for t, _ in FORMATS.values())
#: A file whose raster is this many times larger than itself, and over budget, is a bomb.
BOMB_RATIO = 100
MIN_WIDTH = 512

Pixels = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class PixelBudget:
    """The largest panorama the service decodes (default 16384×8192)."""

    width: int = 16384
    height: int = 8192

    @property
    def pixels(self) -> int:
        """How many pixels the budget allows."""
        return self.width * self.height


@dataclass(frozen=True, slots=True)
class ImageHeader:
    """What the header of an accepted image says."""

    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        """The image's MIME type."""
        return FORMATS[self.format][0]

    @property
    def extension(self) -> str:
        """The usual file extension (without a dot)."""
        return FORMATS[self.format][1]


def _magic_format(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _truncated(fmt: str, data: bytes) -> bool:
    if fmt == "JPEG":
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    if fmt == "PNG":
        return not data.endswith(b"IEND\xaeB`\x82")
    riff_size = int(struct.unpack("<I", data[4:8])[0])
    return len(data) < riff_size + 8


def probe(data: bytes, *, budget: PixelBudget | None = None) -> ImageHeader:
    """The header of an acceptable equirectangular panorama; PanoramaError otherwise."""
    budget = budget or PixelBudget()
    magic = _magic_format(data)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit (89 Mpx) is below our budget: we apply ours just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                fmt, (width, height) = str(image.format), image.size
    except Image.DecompressionBombError as exc:
        raise PanoramaError(Code.DECOMPRESSION_BOMB,
                            "the image claims far more pixels than it could hold") from exc
    except UnidentifiedImageError as exc:
        if magic is None:
            raise PanoramaError(Code.UNSUPPORTED_FORMAT,
                                "only JPEG, PNG and WebP panoramas are accepted") from exc
        raise PanoramaError(Code.CORRUPT, f"the {magic} header cannot be read") from exc
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        raise PanoramaError(Code.CORRUPT, "the image header cannot be read") from exc
    if fmt not in FORMATS:
        raise PanoramaError(Code.UNSUPPORTED_FORMAT,
                            "only JPEG, PNG and WebP panoramas are accepted")
    if width > budget.width or height > budget.height or width * height > budget.pixels:
        if width * height * 3 > BOMB_RATIO * len(data):
            raise PanoramaError(Code.DECOMPRESSION_BOMB,
                                f"a {len(data)}-byte file claims {width}×{height} pixels")
        raise PanoramaError(Code.TOO_LARGE, f"{width}×{height} is over the budget of "
                            f"{budget.width}×{budget.height} pixels")
    if abs(width - 2 * height) > 1:
        raise PanoramaError(Code.NOT_EQUIRECTANGULAR,
                            f"an equirectangular panorama is 2:1, not {width}×{height}")
    if width < MIN_WIDTH:
        raise PanoramaError(Code.TOO_SMALL, f"a panorama needs at least {MIN_WIDTH} px across")
    if _truncated(fmt, data):
        raise PanoramaError(Code.TRUNCATED, "the file ends before the image does")
    return ImageHeader(format=fmt, width=width, height=height)


def decode(data: bytes, header: ImageHeader) -> Pixels:
    """The image as an (H, W, 3) BGR array, decoded once; PanoramaError when it is corrupt."""
    import cv2  # the image libraries load only where images are decoded (the tiler)
    import simplejpeg

    pixels: Pixels | None = None
    if header.format == "JPEG":
        try:
            pixels = simplejpeg.decode_jpeg(data, colorspace="BGR")
        except ValueError:  # CMYK and other colour spaces turbojpeg does not convert
            pixels = None
    if pixels is None:
        flags = cv2.IMREAD_COLOR_BGR | cv2.IMREAD_IGNORE_ORIENTATION
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flags)  # type: ignore[assignment]
    if pixels is None or pixels.shape[:2] != (header.height, header.width):
        raise PanoramaError(Code.CORRUPT, "the image data cannot be decoded")
    return pixels
