"""Checking uploaded images before any pixel is trusted, and decoding panoramas.

`check_image` is the one safety check of every uploaded image (panoramas and photos): it reads
only the header (Pillow) and refuses formats outside those allowed, images over the pixel
budget and decompression bombs, each with the code its caller gives clients. `probe` adds what
a panorama must be: 2:1, wide enough, whole. `decode` then decodes a panorama once into a tight
BGR array: JPEGs with libjpeg-turbo (simplejpeg) straight into the one array (Pillow's RGB mode
pads to 32 bits: 512 MB more at 16384×8192), PNG and WebP (and the rare CMYK JPEG) with Pillow.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from media.errors import MediaError
from media.errors import MediaErrorCode as Code

#: Pillow format name -> (content type, extension) of the formats an uploaded image may be.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
#: Content type of an accepted image -> the extension of its key, and -> its format name.
EXTENSIONS = dict(FORMATS.values())
FORMAT_OF_TYPE = {content_type: name for name, (content_type, _) in FORMATS.items()}
#: A file whose raster is this many times larger than itself, and over budget, is a bomb.
BOMB_RATIO = 100
MIN_WIDTH = 512

Pixels = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class PixelBudget:
    """The largest image the service decodes (default: a 16384×8192 panorama)."""

    width: int = 16384
    height: int = 8192
    max_pixels: int | None = None
    #: The most memory one decoded image may take (see `decoded_bytes`), when capped.
    max_decoded_bytes: int | None = None

    @property
    def pixels(self) -> int:
        """How many pixels the budget allows (width × height unless capped lower)."""
        return self.max_pixels if self.max_pixels is not None else self.width * self.height


@dataclass(frozen=True, slots=True)
class ImageCodes:
    """The codes a caller's clients know the refusals of `check_image` by."""

    unsupported: Code
    corrupt: Code
    too_large: Code
    bomb: Code


PANORAMA_CODES = ImageCodes(unsupported=Code.UNSUPPORTED_IMAGE_FORMAT, corrupt=Code.CORRUPT_IMAGE,
                            too_large=Code.PANORAMA_TOO_LARGE, bomb=Code.DECOMPRESSION_BOMB)


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


def decoded_bytes(fmt: str, mode: str, size: tuple[int, int]) -> int:
    """The memory Pillow holds while it decodes an image of a format, mode and size: one byte
    a pixel for bilevel, grey and palette images, two for 16-bit grey, four for the rest (its
    RGB keeps a pad byte); four times that for WebP, which Pillow gets from libwebp as a
    buffer, copies into bytes and then into the image (measured: 16 Mpx take 250 MB)."""
    width, height = size
    per_pixel = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return width * height * per_pixel * (4 if fmt == "WEBP" else 1)


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


def check_image(data: bytes, *, formats: Collection[str], budget: PixelBudget,
                codes: ImageCodes) -> ImageHeader:
    """The header of an image of an allowed format within the pixel budget, read without
    decoding a pixel; MediaError with the caller's code otherwise."""
    from PIL import Image, UnidentifiedImageError  # here: a cold start never needs Pillow

    magic = _magic_format(data)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit (89 Mpx) is below a panorama's budget: ours follows.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as image:
                fmt, (width, height) = str(image.format), image.size
    except Image.DecompressionBombError as exc:
        raise MediaError(codes.bomb, "the image claims far more pixels than it could hold") from exc
    except UnidentifiedImageError as exc:
        if magic is None or magic not in formats:
            raise MediaError(codes.unsupported,
                             f"only {', '.join(sorted(formats))} images are accepted") from exc
        raise MediaError(codes.corrupt, f"the {magic} header cannot be read") from exc
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise MediaError(codes.corrupt, "the image header cannot be read") from exc
    if fmt not in formats:
        raise MediaError(codes.unsupported,
                         f"only {', '.join(sorted(formats))} images are accepted")
    if width > budget.width or height > budget.height or width * height > budget.pixels:
        if width * height * 3 > BOMB_RATIO * len(data):
            raise MediaError(codes.bomb,
                             f"a {len(data)}-byte file claims {width}×{height} pixels")
        raise MediaError(codes.too_large,
                         f"{width}×{height} is over the budget of {budget.width}×"
                         f"{budget.height} ({budget.pixels}) pixels")
    return ImageHeader(format=fmt, width=width, height=height)


def probe(data: bytes, *, budget: PixelBudget | None = None) -> ImageHeader:
    """The header of an acceptable equirectangular panorama; MediaError otherwise."""
    header = check_image(data, formats=FORMATS, budget=budget or PixelBudget(),
                         codes=PANORAMA_CODES)
    width, height = header.width, header.height
    if abs(width - 2 * height) > 1:
        raise MediaError(Code.NOT_EQUIRECTANGULAR,
                            f"an equirectangular panorama is 2:1, not {width}×{height}")
    if width < MIN_WIDTH:
        raise MediaError(Code.PANORAMA_TOO_SMALL,
                         f"a panorama needs at least {MIN_WIDTH} px across")
    if _truncated(header.format, data):
        raise MediaError(Code.TRUNCATED_IMAGE, "the file ends before the image does")
    return header


def _decode_with_pillow(data: bytes) -> Pixels | None:
    """BGR pixels of any image Pillow reads (orientation ignored, like the viewers), or None."""
    from PIL import Image  # here: a cold start never needs Pillow

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                rgb = image.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
    pixels: Pixels = np.asarray(rgb)[:, :, ::-1].copy()
    return pixels


def decode(data: bytes, header: ImageHeader) -> Pixels:
    """The image as an (H, W, 3) BGR array, decoded once; MediaError when it is corrupt."""
    import simplejpeg  # the JPEG codec loads only where images are decoded (the tiler)

    pixels: Pixels | None = None
    if header.format == "JPEG":
        try:
            pixels = simplejpeg.decode_jpeg(data, colorspace="BGR")
        except ValueError:  # CMYK and other colour spaces turbojpeg does not convert
            pixels = None
    if pixels is None:
        pixels = _decode_with_pillow(data)
    if pixels is None or pixels.shape[:2] != (header.height, header.width):
        raise MediaError(Code.CORRUPT_IMAGE, "the image data cannot be decoded")
    return pixels
