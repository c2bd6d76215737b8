"""Photo variants: an uploaded image, checked like every upload (`media.images.check_image`),
decoded for real, turned upright by its EXIF orientation, left without any metadata (GPS
included) and rendered as thumbnail, medium and large sizes in WebP and JPEG, stored under
content-addressed keys."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from media.errors import MediaError
from media.errors import MediaErrorCode as Code
from media.images import FORMAT_OF_TYPE, ImageCodes, PixelBudget, check_image
from media.store import MediaStore

#: Largest photo decoded, in pixels (a 40-megapixel camera); more is refused before decoding.
PHOTO_BUDGET = PixelBudget(width=65_500, height=65_500, max_pixels=40_000_000)
PHOTO_CODES = ImageCodes(unsupported=Code.PHOTO_INVALID, corrupt=Code.PHOTO_INVALID,
                         too_large=Code.PHOTO_TOO_MANY_PIXELS, bomb=Code.PHOTO_TOO_MANY_PIXELS)
SIZES = {"thumbnail": 320, "medium": 1024, "large": 2048}


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
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _upright(data: bytes, fmt: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt])
            if fmt == "JPEG":
                image.draft("RGB", (SIZES["large"], SIZES["large"]))
            image.load()
            return ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError(PHOTO_CODES.bomb, "the image expands to too many pixels") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise MediaError(PHOTO_CODES.corrupt, f"not a readable {fmt} image") from exc


def render_variants(data: bytes, content_type: str, *, budget: PixelBudget = PHOTO_BUDGET
                    ) -> RenderedPhoto:
    """The variants of a photo, or MediaError: a real image of the declared format, within the
    pixel budget, upright, with no metadata left."""
    fmt = FORMAT_OF_TYPE[content_type]
    check_image(data, formats=[fmt], budget=budget, codes=PHOTO_CODES)
    base = _flatten(_upright(data, fmt))  # a new image: EXIF, GPS, XMP, ICC, text are left
    variants: dict[str, bytes] = {}
    for name, edge in SIZES.items():
        sized = base.copy()
        sized.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        variants[f"{name}.jpg"] = _encode(sized, "JPEG")
        variants[f"{name}.webp"] = _encode(sized, "WEBP")
    return RenderedPhoto(digest=hashlib.sha256(data).hexdigest(), width=base.width,
                         height=base.height, variants=variants)


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
