"""Photo variants: an uploaded image, checked like every upload (`media.images.check_image`),
decoded within a memory budget at the smallest scale that still covers the largest size
(JPEGs reduced by libjpeg while they decode), turned upright by its EXIF orientation, left
without any metadata (EXIF, GPS, XMP, comments, ICC: colours are converted to sRGB first) and
rendered as thumbnail, medium and large sizes in WebP and JPEG, stored under content-addressed
keys."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from math import ceil
from typing import Any

from PIL import Image, ImageCms

from media.errors import MediaError
from media.errors import MediaErrorCode as Code
from media.images import FORMAT_OF_TYPE, ImageCodes, PixelBudget, check_image, decoded_bytes
from media.photo_sizes import SIZES, variant_size
from media.store import MediaStore

#: Largest photo decoded: 40 megapixels (a camera's), and 128 MiB once decoded (a JPEG of 40
#: Mpx decodes at half its size; a PNG or WebP decodes whole: up to 32 or 8 Mpx of colour).
PHOTO_BUDGET = PixelBudget(width=65_500, height=65_500, max_pixels=40_000_000,
                           max_decoded_bytes=128 * 1024 * 1024)
PHOTO_CODES = ImageCodes(unsupported=Code.PHOTO_INVALID, corrupt=Code.PHOTO_INVALID,
                         too_large=Code.PHOTO_TOO_MANY_PIXELS, bomb=Code.PHOTO_TOO_MANY_PIXELS)
#: Rows of the decoded image converted and reduced at a time (times the reduction factor).
STRIP_ROWS = 64
_ORIENTATION = 0x0112
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True, slots=True)
class RenderedPhoto:
    """An upright, metadata-free photo's size, its source's SHA-256 and its encoded variants
    by file name."""

    digest: str
    width: int
    height: int
    variants: dict[str, bytes]


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _to_srgb(image: Image.Image) -> ImageCms.ImageCmsTransform | None:
    """The conversion of an image's embedded colour profile to sRGB, if it has one that
    littlecms reads (else its colours are taken as sRGB)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(source, _SRGB, image.mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _reduced(image: Image.Image, factor: int) -> Image.Image:
    """A new RGB image 1/factor the size of a decoded one (box averages), flattened on white
    and in sRGB, made strip by strip: no full-size copy is ever held, and none of the
    source's metadata comes along."""
    width, height = image.size
    out = Image.new("RGB", (ceil(width / factor), ceil(height / factor)))
    to_srgb = _to_srgb(image)
    rows = STRIP_ROWS * factor
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        converted = ImageCms.applyTransform(strip, to_srgb) if to_srgb else _flatten(strip)
        assert converted is not None
        out.paste(converted.reduce(factor) if factor > 1 else converted, (0, top // factor))
    return out


def _decode(data: bytes, fmt: str, budget: PixelBudget) -> tuple[Image.Image, bool]:
    """The photo decoded, upright, reduced to cover the largest size, metadata-free, and
    whether turning it upright swapped its width and height."""
    largest = SIZES["large"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                if fmt == "JPEG" and max(image.size) > largest:
                    scale = largest / max(image.size)
                    image.draft("RGB", (ceil(image.width * scale), ceil(image.height * scale)))
                need = decoded_bytes(fmt, image.mode, image.size)
                if budget.max_decoded_bytes is not None and need > budget.max_decoded_bytes:
                    raise MediaError(PHOTO_CODES.too_large,
                                     f"a {image.width}×{image.height} {image.mode} {fmt} needs "
                                     f"{need} bytes to decode, more than "
                                     f"{budget.max_decoded_bytes}")
                # how many decode at once is the caller's bound (geo.listings.photos RENDERING)
                image.load()
                reduced = _reduced(image, max(1, max(image.size) // largest))
                orientation = image.getexif().get(_ORIENTATION)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError(PHOTO_CODES.bomb, "the image expands to too many pixels") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise MediaError(PHOTO_CODES.corrupt, f"not a readable {fmt} image") from exc
    if not isinstance(orientation, int) or orientation not in _UPRIGHT:
        return reduced, False
    return reduced.transpose(_UPRIGHT[orientation]), orientation >= 5


def render_variants(data: bytes, content_type: str, *, budget: PixelBudget = PHOTO_BUDGET
                    ) -> RenderedPhoto:
    """The variants of a photo, or MediaError: a real image of the declared format, within the
    pixel and memory budget, upright, with no metadata left; its size is the upright
    original's."""
    fmt = FORMAT_OF_TYPE[content_type]
    header = check_image(data, formats=[fmt], budget=budget, codes=PHOTO_CODES)
    base, turned = _decode(data, fmt, budget)
    width, height = (header.height, header.width) if turned else (header.width, header.height)
    variants: dict[str, bytes] = {}
    for name in SIZES:
        sized = base.resize(variant_size(width, height, name),
                            Image.Resampling.LANCZOS)  # a new image: no copy of the base
        variants[f"{name}.jpg"] = _encode(sized, "JPEG")
        variants[f"{name}.webp"] = _encode(sized, "WEBP")
    return RenderedPhoto(digest=hashlib.sha256(data).hexdigest(), width=width,
                         height=height, variants=variants)


def store_variants(store: MediaStore, rendered: RenderedPhoto) -> dict[str, Any]:
    """Writes the variants under keys addressed by the source's digest; gives
    {size: {"jpeg": key, "webp": key}}."""
    keys: dict[str, Any] = {}
    for name, blob in rendered.variants.items():
        key = f"photos/{rendered.digest[:40]}/{name}"
        content_type = "image/jpeg" if name.endswith(".jpg") else "image/webp"
        store.put(key, blob, content_type, immutable=True)
        size, ext = name.split(".")
        keys.setdefault(size, {})["jpeg" if ext == "jpg" else "webp"] = key
    return keys
