"""Demo audio guides: stops with narrations (Vietnamese and English), transcripts and QR codes
for demo destinations; the main hall of Chùa Bà Thiên Hậu is tied to its demo tour's view, and
the pagoda has a site narration (what its own code THAUCB plays: the welcome that says what the
site is, the recording its gate stop also plays).

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
from geo.geometry import GeoPoint
from geo.models import Destination
from media.store import MediaStore
from qr.models import TargetKind
from qr.service import QrTarget, create_qr_code, get_qr_code
from tours import narrations, stops, zones
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
    viewpoint: str | None = None  # the Vietnamese title of the demo tour's scene it opens


DEMO: dict[str, tuple[str, list[DemoStop]]] = {
    "chua-ba-thien-hau": ("THAUCB", [
        DemoStop("chua-ba-thien-hau-1", "THAU22",
                 {"vi": "Cổng chùa", "en": "The pagoda gate", "ko": "사원 정문",
                  "zh": "庙门", "ja": "廟の正門", "fr": "La porte de la pagode"},
                 {"vi": "Cổng tam quan mở vào sân chùa, nơi khách hành hương dâng hương.",
                  "en": "The three-entrance gate opens onto the courtyard where pilgrims "
                        "offer incense.",
                  "ko": "삼관문을 지나면 순례객들이 향을 올리는 사원 마당이 나옵니다.",
                  "zh": "三关门通向庙前庭院，香客在此上香。",
                  "ja": "三つの入口を持つ三関門をくぐると、参拝者が線香を供える境内に出ます。",
                  "fr": "La porte à trois entrées ouvre sur la cour où les pèlerins offrent "
                        "de l’encens."}),
        DemoStop("chua-ba-thien-hau-2", "THAU23",
                 {"vi": "Chính điện thờ Bà Thiên Hậu", "en": "Main hall of Lady Thien Hau",
                  "ko": "티엔허우 여신을 모신 본전", "zh": "供奉天后圣母的正殿",
                  "ja": "天后聖母を祀る本殿", "fr": "Salle principale de la Dame Thiên Hậu"},
                 {"vi": "Tượng Bà Thiên Hậu được đặt ở gian giữa của chính điện.",
                  "en": "The statue of Lady Thien Hau stands in the central bay of the hall.",
                  "ko": "본전 가운데 칸에 티엔허우 여신상이 모셔져 있습니다.",
                  "zh": "天后圣母像供奉于正殿正中的开间。",
                  "ja": "本殿の中央の間には天后聖母の像が安置されています。",
                  "fr": "La statue de la Dame Thiên Hậu se dresse dans la travée centrale de "
                        "la salle."},
                 viewpoint="Chính điện"),
    ]),
    "khu-di-tich-kim-lien": ("KLDEST", [
        DemoStop("khu-di-tich-kim-lien-1", "KLSEN3",
                 {"vi": "Nhà Bác Hồ ở làng Sen", "en": "Ho Chi Minh's home in Sen Village",
                  "fr": "La maison de Hô Chi Minh au village de Sen",
                  "ko": "센 마을의 호찌민 옛집", "ja": "セン村のホー・チ・ミンの旧居"},
                 {"vi": "Ngôi nhà tranh năm gian của gia đình cụ Nguyễn Sinh Sắc.",
                  "en": "The five-room thatched house of Nguyen Sinh Sac's family.",
                  "fr": "La maison au toit de chaume à cinq travées de la famille de "
                        "Nguyễn Sinh Sắc.",
                  "ko": "응우옌신삭 일가가 살던 다섯 칸짜리 초가집입니다.",
                  "ja": "グエン・シン・サック一家が暮らした五間の茅葺きの家です。"}),
        DemoStop("khu-di-tich-kim-lien-2", "KLHTR4",
                 {"vi": "Quê ngoại Hoàng Trù", "en": "Hoang Tru, his mother's village",
                  "fr": "Hoàng Trù, le village de sa mère", "ko": "외가 마을 호앙쭈",
                  "ja": "母の故郷ホアンチュー村"},
                 {"vi": "Nơi Chủ tịch Hồ Chí Minh chào đời năm 1890.",
                  "en": "Where President Ho Chi Minh was born in 1890.",
                  "fr": "C’est ici que le président Hô Chi Minh est né en 1890.",
                  "ko": "호찌민 주석이 1890년에 태어난 곳입니다.",
                  "ja": "1890年にホー・チ・ミン主席が生まれた場所です。"}),
    ]),
    "den-do": ("DDBNH7", [
        DemoStop("den-do-1", "DEND65",
                 {"vi": "Đền Đô – nơi thờ tám vị vua nhà Lý",
                  "en": "Do Temple – shrine of the eight Ly kings",
                  "zh": "都庙——供奉李朝八位皇帝的庙宇",
                  "ko": "도 사당 – 리 왕조 여덟 왕을 모신 사당",
                  "ja": "ドー廟 – 李朝八代の王を祀る廟",
                  "fr": "Temple Đô – sanctuaire des huit rois Lý"},
                 {"vi": "Lễ hội Đền Đô diễn ra ngày 15 tháng 3 âm lịch.",
                  "en": "The Do Temple festival is held on the 15th day of the 3rd lunar "
                        "month.",
                  "zh": "都庙庙会于农历三月十五日举行。",
                  "ko": "도 사당 축제는 음력 3월 15일에 열립니다.",
                  "ja": "ドー廟の祭りは旧暦3月15日に行われます。",
                  "fr": "La fête du temple Đô a lieu le 15e jour du 3e mois lunaire."}),
    ]),
}


#: The site narrations of demo destinations (slug → the stem of its demo media files), in
#: Vietnamese and English: what the site's own code plays.
DEMO_SITES = {"chua-ba-thien-hau": "chua-ba-thien-hau-1"}

#: Trigger zones of the walking site Chùa Bà Thiên Hậu, by code: circles (centre lat, lng,
#: radius in metres) around the gate and the main hall, overlapping in the courtyard.
DEMO_ZONES: dict[str, tuple[float, float, float]] = {
    "THAU22": (10.97895, 106.65405, 15.0),
    "THAU23": (10.97915, 106.65412, 20.0),
}


def demo_file(name: str) -> bytes:
    """The bytes of a file of qr/demo_media."""
    return (DEMO_MEDIA / name).read_bytes()


async def _scene_titled(session: AsyncSession, destination_id: int, title: str
                        ) -> Scene | None:
    stmt = (select(Scene).join(Tour, Tour.id == Scene.tour_id)
            .where(Tour.destination_id == destination_id)
            .order_by(Tour.id, Scene.position, Scene.id))
    return next((s for s in (await session.execute(stmt)).scalars()
                 if s.title.get("vi") == title), None)


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
            scene = (await _scene_titled(session, destination.id, demo.viewpoint)
                     if demo.viewpoint else None)
            stop = await stops.create_stop(
                session=session, actor=SEED_ACTOR,
                data=stops.NewStop(
                    destination_id=destination.id, title=demo.title, text=demo.text,
                    viewpoint=stops.Viewpoint(scene_id=scene.id, yaw=scene.initial_yaw,
                                              pitch=scene.initial_pitch, hfov=75.0)
                    if scene else None))
            if demo.code in DEMO_ZONES:
                lat, lng, radius = DEMO_ZONES[demo.code]
                await zones.set_stop_zone(session=session, actor=SEED_ACTOR, stop_id=stop.id,
                                          zone=zones.ZoneInput(center=GeoPoint(lat=lat, lng=lng),
                                                               radius_m=radius))
            await _narrate(session, store, demo.media, narrations.NarrationOf(stop_id=stop.id))
            if await get_qr_code(session=session, code=demo.code) is None:
                await create_qr_code(session=session, actor=SEED_ACTOR, code=demo.code,
                                     target=QrTarget(TargetKind.STOP, stop.id))
            added += 1
    for slug, media in DEMO_SITES.items():
        destination = found.get(slug)
        if destination is not None and not (await stops.narrations_of_sites(
                session=session, destination_ids=[destination.id]))[destination.id]:
            await _narrate(session, store, media,
                           narrations.NarrationOf(destination_id=destination.id))
    return added


async def _narrate(session: AsyncSession, store: MediaStore, media: str,
                   of: narrations.NarrationOf) -> None:
    """The demo narration of a stop or a site in Vietnamese and English, Ogg and MP3."""
    for lang in ("vi", "en"):
        await narrations.add_narration(
            session=session, store=store, actor=SEED_ACTOR, stop_id=of.stop_id,
            destination_id=of.destination_id, lang=lang,
            audio=demo_file(f"{media}.{lang}.ogg"), content_type="audio/ogg",
            transcript=demo_file(f"{media}.{lang}.vtt").decode("utf-8"),
            translation=stops.Translation.ORIGINAL if lang == "vi"
            else stops.Translation.HUMAN)
        await narrations.add_narration_format(
            session=session, store=store, actor=SEED_ACTOR, stop_id=of.stop_id,
            destination_id=of.destination_id, lang=lang,
            audio=demo_file(f"{media}.{lang}.mp3"), content_type="audio/mpeg")
