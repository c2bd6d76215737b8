"""Demo audio guides: stops with narrations (Vietnamese and English), transcripts and QR codes
for demo destinations; the main hall of Chùa Bà Thiên Hậu is tied to its demo tour's view.

The audio in `qr/demo_media/` was made once with espeak-ng (voices `vi` and `en-gb`) and
ffmpeg (`-ac 1 -ar 24000 -c:a libopus -b:a 16k`); each Ogg has an MP3 of the same recording
beside it for the phones that play no Ogg (`python -m qr.demo_mp3` encodes them); the WebVTT
cues split the spoken text by sentence, timed in proportion to its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, Role
from geo.models import Destination
from media.store import MediaStore
from qr.models import TargetKind
from qr.service import QrTarget, create_qr_code, get_qr_code
from tours import stops
from tours.models import Scene, Stop, Tour

SEED_ACTOR = Actor(role=Role.ADMIN, account_id=0)
DEMO_MEDIA = Path(__file__).resolve().parent / "demo_media"


@dataclass(frozen=True, slots=True)
class DemoStop:
    """A demo stop: texts, its narration files and its printed code."""

    media: str
    code: str
    title: dict[str, str]
    text: dict[str, str]
    viewpoint: bool = False


DEMO: dict[str, tuple[str, list[DemoStop]]] = {
    "chua-ba-thien-hau": ("THAUCB", [
        DemoStop("chua-ba-thien-hau-1", "THAU22",
                 {"vi": "Cổng chùa", "en": "The pagoda gate"},
                 {"vi": "Cổng tam quan mở vào sân chùa, nơi khách hành hương dâng hương.",
                  "en": "The three-entrance gate opens onto the courtyard where pilgrims "
                        "offer incense."}),
        DemoStop("chua-ba-thien-hau-2", "THAU23",
                 {"vi": "Chính điện thờ Bà Thiên Hậu", "en": "Main hall of Lady Thien Hau"},
                 {"vi": "Tượng Bà Thiên Hậu được đặt ở gian giữa của chính điện.",
                  "en": "The statue of Lady Thien Hau stands in the central bay of the hall."},
                 viewpoint=True),
    ]),
    "khu-di-tich-kim-lien": ("KLDEST", [
        DemoStop("khu-di-tich-kim-lien-1", "KLSEN3",
                 {"vi": "Nhà Bác Hồ ở làng Sen", "en": "Ho Chi Minh's home in Sen Village"},
                 {"vi": "Ngôi nhà tranh năm gian của gia đình cụ Nguyễn Sinh Sắc.",
                  "en": "The five-room thatched house of Nguyen Sinh Sac's family."}),
        DemoStop("khu-di-tich-kim-lien-2", "KLHTR4",
                 {"vi": "Quê ngoại Hoàng Trù", "en": "Hoang Tru, his mother's village"},
                 {"vi": "Nơi Chủ tịch Hồ Chí Minh chào đời năm 1890.",
                  "en": "Where President Ho Chi Minh was born in 1890."}),
    ]),
    "den-do": ("DDBNH7", [
        DemoStop("den-do-1", "DEND65",
                 {"vi": "Đền Đô – nơi thờ tám vị vua nhà Lý",
                  "en": "Do Temple – shrine of the eight Ly kings"},
                 {"vi": "Lễ hội Đền Đô diễn ra ngày 15 tháng 3 âm lịch.",
                  "en": "The Do Temple festival is held on the 15th day of the 3rd lunar "
                        "month."}),
    ]),
}


def demo_file(name: str) -> bytes:
    """The bytes of a file of qr/demo_media."""
    return (DEMO_MEDIA / name).read_bytes()


async def _first_scene(session: AsyncSession, destination_id: int) -> Scene | None:
    stmt = (select(Scene).join(Tour, Tour.id == Scene.tour_id)
            .where(Tour.destination_id == destination_id)
            .order_by(Tour.id, Scene.position, Scene.id).limit(1))
    found: Scene | None = (await session.execute(stmt)).scalars().first()
    return found


async def load_demo_guides(*, session: AsyncSession, store: MediaStore) -> int:
    """Adds the demo stops, narrations and QR codes of the demo destinations that have none
    yet (the stop viewpoint only where a demo tour exists); gives the stops added."""
    added = 0
    slugs = list(DEMO)
    found = {d.slug: d for d in (await session.execute(
        select(Destination).where(Destination.slug.in_(slugs)))).scalars()}
    for slug, (destination_code, demo_stops) in DEMO.items():
        destination = found.get(slug)
        if destination is None or await session.scalar(
                select(Stop.id).where(Stop.destination_id == destination.id).limit(1)):
            continue
        if await get_qr_code(session=session, code=destination_code) is None:
            await create_qr_code(session=session, actor=SEED_ACTOR, code=destination_code,
                                 target=QrTarget(TargetKind.DESTINATION, destination.id))
        for demo in demo_stops:
            scene = await _first_scene(session, destination.id) if demo.viewpoint else None
            stop = await stops.create_stop(
                session=session, actor=SEED_ACTOR,
                data=stops.NewStop(
                    destination_id=destination.id, title=demo.title, text=demo.text,
                    viewpoint=stops.Viewpoint(scene_id=scene.id, yaw=scene.initial_yaw,
                                              pitch=scene.initial_pitch, hfov=75.0)
                    if scene else None))
            for lang in ("vi", "en"):
                await stops.add_narration(
                    session=session, store=store, actor=SEED_ACTOR, stop_id=stop.id, lang=lang,
                    audio=demo_file(f"{demo.media}.{lang}.ogg"), content_type="audio/ogg",
                    transcript=demo_file(f"{demo.media}.{lang}.vtt").decode("utf-8"),
                    translation=stops.Translation.ORIGINAL if lang == "vi"
                    else stops.Translation.HUMAN)
                await stops.add_narration_format(
                    session=session, store=store, actor=SEED_ACTOR, stop_id=stop.id, lang=lang,
                    audio=demo_file(f"{demo.media}.{lang}.mp3"), content_type="audio/mpeg")
            if await get_qr_code(session=session, code=demo.code) is None:
                await create_qr_code(session=session, actor=SEED_ACTOR, code=demo.code,
                                     target=QrTarget(TargetKind.STOP, stop.id))
            added += 1
    return added
