"""A destination's cover photo for list views: the first photo of its public listing, else
the equirectangular preview of its first tour's first ready scene; each size with its pixels,
so that a list lays out before any image arrives."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import strawberry

from api.context import Context
from api.types.tour import panorama_base
from media.photo_sizes import SIZES, variant_size
from media.tiling import equirect_sizes

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where a destination's cover comes from.")
class CoverSource(StrEnum):
    LISTING_PHOTO = "listing_photo"
    PANORAMA = "panorama"


@strawberry.type(description="One size of an image: a JPEG, and a WebP for photos.")
class ImageSize:
    name: str = strawberry.field(description="thumbnail, medium or large (photos); thumb or "
                                 "preview (panoramas).")
    width: int
    height: int
    url: str = strawberry.field(description="The JPEG.")
    webp_url: str | None


@strawberry.type(description="A destination's cover: `url`, `width` and `height` are its "
                 "largest size; `sizes` lists every size, smallest first (for srcset).")
class CoverPhoto:
    source: CoverSource
    url: str
    width: int
    height: int
    sizes: list[ImageSize]

    @classmethod
    def of(cls, source: CoverSource, sizes: list[ImageSize]) -> CoverPhoto | None:
        """The cover with these sizes (smallest first); None without any."""
        if not sizes:
            return None
        largest = sizes[-1]
        return cls(source=source, url=largest.url, width=largest.width, height=largest.height,
                   sizes=sizes)


def _photo_cover(info: Info, photo: dict[str, Any]) -> CoverPhoto | None:
    width, height, variants = photo.get("width"), photo.get("height"), photo.get("variants") or {}
    if not width or not height:
        return None
    store = info.context.store
    sizes = []
    for name in SIZES:
        keys = variants.get(name)
        if keys:
            w, h = variant_size(width, height, name)
            sizes.append(ImageSize(name=name, width=w, height=h, url=store.url(keys["jpeg"]),
                                   webp_url=store.url(keys["webp"]) if "webp" in keys else None))
    return CoverPhoto.of(CoverSource.LISTING_PHOTO, sizes)


async def _panorama_cover(info: Info, destination_id: int) -> CoverPhoto | None:
    loaders = info.context.loaders
    tours = await loaders.tours_by_destination.load(destination_id)
    scenes = await loaders.scenes_by_tour.load_many([t.id for t in tours])
    firsts = [s[0] for s in scenes if s]
    for panorama in await loaders.panorama.load_many([s.panorama_id for s in firsts]):
        if panorama is not None and panorama.ready and panorama.width:
            base = panorama_base(info, panorama)
            found = [ImageSize(name=name.removesuffix(".jpg"), width=w, height=h,
                               url=f"{base}/{name}", webp_url=None)
                     for name, (w, h) in equirect_sizes(panorama.width).items()]
            return CoverPhoto.of(CoverSource.PANORAMA, found[::-1])
    return None


async def cover_of(info: Info, destination_id: int) -> CoverPhoto | None:
    """A destination's cover, from the loaders (a page of destinations costs at most four
    statements: listing photos, then tours, scenes and panoramas of those without one)."""
    photo = await info.context.loaders.cover_photo.load(destination_id)
    cover = _photo_cover(info, photo) if photo else None
    return cover or await _panorama_cover(info, destination_id)
