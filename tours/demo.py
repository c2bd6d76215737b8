"""Demo tours: legible synthetic panoramas (sky, horizon, compass, scene name) of two sites.

The panoramas are drawn with Pillow at 4096×2048 so that `make run` stays fast, then go
through the real ingest (tiles for both viewers) like any upload.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, Role
from geo.geometry import GeoPoint
from geo.models import Destination
from media import service as media_service
from media.store import MediaStore
from tours import service as tour_service
from tours.models import Tour

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WIDTH = 4096
SYSTEM = Actor(role=Role.ADMIN, account_id=0)  # the seed acts as the department


@dataclass(frozen=True)
class DemoScene:
    """One viewpoint of a demo tour."""

    vi: str
    en: str
    lat: float
    lng: float
    north_offset: float
    sky: tuple[int, int, int]
    ground: tuple[int, int, int]


@dataclass(frozen=True)
class DemoTour:
    """A demo tour of a destination."""

    destination: str
    slug: str
    title: dict[str, str]
    scenes: tuple[DemoScene, ...]


TOURS = (
    DemoTour("chua-ba-thien-hau", "chua-ba-thien-hau-360",
             {"vi": "Chùa Bà Thiên Hậu 360°", "en": "Lady Thien Hau Pagoda in 360°"}, (
                 DemoScene("Cổng tam quan", "Three-entrance gate", 10.97895, 106.65405, 20.0,
                           (120, 170, 230), (150, 110, 80)),
                 DemoScene("Sân chùa", "Pagoda courtyard", 10.97905, 106.65410, 20.0,
                           (110, 160, 225), (170, 130, 90)),
                 DemoScene("Chính điện", "Main hall", 10.97915, 106.65412, 200.0,
                           (90, 70, 60), (120, 40, 30)),
             )),
    DemoTour("khu-di-tich-kim-lien", "khu-di-tich-kim-lien-360",
             {"vi": "Khu di tích Kim Liên 360°", "en": "Kim Liên relic site in 360°"}, (
                 DemoScene("Làng Sen – cổng làng", "Sen village gate", 18.70395, 105.53805, 0.0,
                           (130, 185, 235), (90, 140, 70)),
                 DemoScene("Nhà cụ Nguyễn Sinh Sắc", "House of Nguyễn Sinh Sắc", 18.70405,
                           105.53815, 90.0, (125, 180, 230), (110, 150, 80)),
                 DemoScene("Giếng Cốc", "Cốc well", 18.70415, 105.53800, 300.0,
                           (140, 190, 240), (100, 145, 75)),
                 DemoScene("Nhà thờ họ Nguyễn Sinh", "Nguyễn Sinh family temple", 18.70425,
                           105.53795, 45.0, (120, 175, 225), (105, 150, 70)),
             )),
)


def draw_panorama(name: str, north_offset: float, sky: tuple[int, int, int],
                  ground: tuple[int, int, int], width: int = WIDTH, *, grid: bool = False,
                  quality: int = 88) -> bytes:
    """A legible equirectangular JPEG: sky, ground, horizon, compass points, the scene name;
    with `grid`, a line every 15° of yaw and of pitch, the pitches labelled."""
    height = width // 2
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):  # sky lighter towards the horizon
        t = y / (height / 2)
        draw.line([(0, y), (width, y)], fill=tuple(int(c + (255 - c) * t * 0.5) for c in sky))
    draw.rectangle([0, height // 2, width, height], fill=ground)
    if grid:
        _draw_grid(draw, width, height)
    draw.line([(0, height // 2), (width, height // 2)], fill=(255, 255, 255), width=6)
    big = ImageFont.truetype(FONT, width // 24)
    small = ImageFont.truetype(FONT, width // 64)

    def x_of(yaw: float) -> float:
        return ((yaw + 180.0) % 360.0) / 360.0 * width

    for degrees in range(0, 360, 15):  # a bearing every 15°, from the panorama's north offset
        yaw = degrees - north_offset
        x = x_of(yaw)
        tall = degrees % 90 == 0
        draw.line([(x, height // 2 - (60 if tall else 25)), (x, height // 2 + 25)],
                  fill=(255, 255, 255), width=4 if tall else 2)
        label = {0: "N", 90: "E", 180: "S", 270: "W"}.get(degrees, f"{degrees}°")
        font = big if tall else small
        draw.text((x, height // 2 - (120 if tall else 60)), label, font=font, anchor="ms",
                  fill=(255, 240, 120) if tall else (255, 255, 255), stroke_width=3,
                  stroke_fill=(0, 0, 0))
    for yaw in (-90.0, 90.0):  # the name, readable at yaw 0 and on both sides
        draw.text((x_of(yaw), height * 0.68), name, font=big, anchor="mm", fill=(255, 255, 255),
                  stroke_width=4, stroke_fill=(0, 0, 0))
    draw.text((x_of(0.0), height * 0.3), name, font=big, anchor="mm", fill=(255, 255, 255),
              stroke_width=4, stroke_fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _draw_grid(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
    """A line every 15° of yaw and of pitch (an equirectangular image is linear in both)."""
    line = (235, 235, 235)
    font = ImageFont.truetype(FONT, max(12, width // 96))
    for step in range(24):
        draw.line([(step * width / 24, 0), (step * width / 24, height)], fill=line, width=1)
    for pitch in range(-75, 90, 15):
        if pitch == 0:
            continue
        y = (90 - pitch) / 180 * height
        draw.line([(0, y), (width, y)], fill=line, width=1)
        for yaw in range(-150, 180, 60):
            draw.text(((yaw + 180) / 360 * width + 4, y - 2), f"{pitch:+d}°", font=font,
                      anchor="ld", fill=line, stroke_width=2, stroke_fill=(0, 0, 0))


async def load_demo_tours(*, session: AsyncSession, store: MediaStore,
                          width: int = WIDTH) -> int:
    """Adds the demo tours whose destination exists and that are missing; gives the count."""
    added = 0
    for demo in TOURS:
        destination = (await session.execute(select(Destination).where(
            Destination.slug == demo.destination))).scalar_one_or_none()
        exists = (await session.execute(select(Tour.id).where(
            Tour.slug == demo.slug))).scalar_one_or_none()
        if destination is None or exists is not None:
            continue
        tour = await tour_service.create_tour(
            session=session, actor=SYSTEM, destination_id=destination.id, slug=demo.slug,
            title=demo.title)
        scenes = []
        for spec in demo.scenes:
            panorama, _ = await media_service.add_panorama(
                session=session, store=store, actor=SYSTEM,
                data=draw_panorama(spec.vi, spec.north_offset, spec.sky, spec.ground, width))
            scenes.append(await tour_service.add_scene(
                session=session, actor=SYSTEM, tour_id=tour.id, scene=tour_service.NewScene(
                    panorama_id=panorama.id, title={"vi": spec.vi, "en": spec.en},
                    location=GeoPoint(lat=spec.lat, lng=spec.lng),
                    north_offset=spec.north_offset)))
        for here, there in zip(scenes, scenes[1:], strict=False):
            await tour_service.add_hotspot(
                session=session, actor=SYSTEM, scene_id=here.id, kind="scene", yaw=20.0,
                pitch=-8.0, text=there.title, target_scene_id=there.id, target_yaw=0.0,
                target_pitch=-5.0)
            await tour_service.add_hotspot(
                session=session, actor=SYSTEM, scene_id=there.id, kind="scene", yaw=-160.0,
                pitch=-8.0, text=here.title, target_scene_id=here.id, target_yaw=180.0)
        await tour_service.add_hotspot(
            session=session, actor=SYSTEM, scene_id=scenes[0].id, kind="info", yaw=-40.0,
            pitch=5.0, text={"vi": f"Chào mừng đến {demo.title['vi']}",
                             "en": f"Welcome to {demo.title['en']}"})
        added += 1
    return added
