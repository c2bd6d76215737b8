"""GraphQL types of guided stops and their narrations."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from api.types.common import Lang, Node, to_global_id
from api.types.destination import LocalizedText
from core.language import pick
from qr.service import viewpoint_link
from tours import models
from tours.stops import AudioSource, Translation, audio_sources, pick_narration
from tours.zones import zone_of

if TYPE_CHECKING:
    from api.types.destination import Destination
    from api.types.qr import QrCode
    from api.types.zone import StopZone

strawberry.enum(Translation, name="NarrationTranslation",
                description="Who wrote a narration's text in its language: the original, a "
                "human translator or a machine.")

Info = strawberry.Info[Context, None]


class NarrationAudioType(StrEnum):
    """Audio types a narration upload may have."""

    MP3 = "audio/mpeg"
    M4A = "audio/mp4"
    OGG = "audio/ogg"


strawberry.enum(NarrationAudioType, description="MP3, M4A (AAC) or Ogg (Opus or Vorbis).")


@strawberry.type(description="One format of a narration's recording (MP3, M4A or Ogg).")
class NarrationSource:
    model: strawberry.Private[AudioSource]

    @strawberry.field(description="Where to play it from (supports HTTP Range).")
    def url(self, info: Info) -> str:
        return info.context.store.url(self.model.key)

    @strawberry.field(description="audio/mpeg, audio/mp4 or audio/ogg: the `type` of an "
                      "<audio> element's <source>.")
    def content_type(self) -> str:
        return self.model.content_type

    @strawberry.field(description="mp3, aac, opus or vorbis.")
    def codec(self) -> str:
        return self.model.codec

    @strawberry.field(description="The duration read from this file.")
    def duration_seconds(self) -> float:
        return self.model.duration_s

    @strawberry.field
    def byte_size(self) -> int:
        return self.model.bytes


@strawberry.type(description="One language's audio of a stop or of a whole site, with its "
                 "transcript.")
class Narration:
    model: strawberry.Private[models.Narration]

    @strawberry.field(description="Every format of the recording, the one it was first given "
                      "in first: offer them all (<source> elements) and let the player pick "
                      "one it plays (older iPhones play no Ogg).")
    def sources(self) -> list[NarrationSource]:
        return [NarrationSource(model=s) for s in audio_sources(self.model)]

    @strawberry.field(description="BCP 47 tag of the narration's language.")
    def lang(self) -> str:
        return self.model.lang

    @strawberry.field(description="Where to play the audio from (supports HTTP Range): the "
                      "first of `sources`.")
    def audio_url(self, info: Info) -> str:
        return info.context.store.url(self.model.audio_key)

    @strawberry.field
    def content_type(self) -> str:
        return self.model.audio_type

    @strawberry.field(description="The duration read from the audio file.")
    def duration_seconds(self) -> float:
        return self.model.duration_s

    @strawberry.field
    def byte_size(self) -> int:
        return self.model.audio_bytes

    @strawberry.field(description="The transcript as plain text, one line per cue.")
    def transcript(self) -> str:
        return self.model.transcript_text

    @strawberry.field(description="The WebVTT transcript, for a <track> element.")
    def transcript_url(self, info: Info) -> str:
        return info.context.store.url(self.model.transcript_key)

    @strawberry.field
    def translation(self) -> Translation:
        return Translation(self.model.translation)


@strawberry.type(description="A view of a 360° tour: its scene and angles in degrees.")
class Viewpoint:
    tour_id: strawberry.ID
    scene_id: strawberry.ID
    yaw: float
    pitch: float
    hfov: float
    url: str = strawberry.field(description="The tour viewer opened at this view.")


@strawberry.type(description="An exhibit or point of a site's route: texts come in the "
                 "visitor's language.")
class Stop(Node):
    model: strawberry.Private[models.Stop]
    chain: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_model(cls, model: models.Stop, chain: tuple[str, ...]) -> Stop:
        """The GraphQL view of a stop in a language chain."""
        return cls(id=to_global_id("Stop", model.id), model=model, chain=chain)

    @strawberry.field(description="Order in the site's route (lower first).")
    def position(self) -> int:
        return self.model.position

    @strawberry.field
    def title(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.title, info.context.chain(lang, self.chain)))

    @strawberry.field
    def text(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.text, info.context.chain(lang, self.chain)))

    @strawberry.field(description="Languages the stop's title is written in.")
    def available_languages(self) -> list[str]:
        return sorted(self.model.title)

    @strawberry.field
    async def destination(self, info: Info) -> Annotated[
            Destination, strawberry.lazy("api.types.destination")] | None:
        from api.types.destination import Destination

        found = await info.context.loaders.destination.load(self.model.destination_id)
        return Destination.from_model(found, self.chain) if found else None

    @strawberry.field(description="Every narration of the stop, by language.")
    async def narrations(self, info: Info) -> list[Narration]:
        found = await info.context.loaders.narrations_by_stop.load(self.model.id)
        return [Narration(model=n) for n in found]

    @strawberry.field(description="The narration in the visitor's language, or the nearest "
                      "fallback (requested → vi → en).")
    async def narration(self, info: Info, lang: Lang = None) -> Narration | None:
        found = pick_narration(await info.context.loaders.narrations_by_stop.load(self.model.id),
                               info.context.chain(lang, self.chain))
        return Narration(model=found) if found else None

    @strawberry.field(description="The matching view of a 360° tour, when there is one.")
    async def viewpoint(self, info: Info) -> Viewpoint | None:
        from api.qr_page import viewpoint_url

        if self.model.viewpoint_scene_id is None:
            return None
        scene = await info.context.loaders.viewpoint_scene.load(self.model.viewpoint_scene_id)
        if scene is None:
            return None
        link = viewpoint_link(scene, self.model.viewpoint_yaw, self.model.viewpoint_pitch,
                              self.model.viewpoint_hfov)
        return Viewpoint(tour_id=to_global_id("Tour", link.tour_id),
                         scene_id=to_global_id("Scene", link.scene_id), yaw=link.yaw,
                         pitch=link.pitch, hfov=link.hfov, url=viewpoint_url(link))

    @strawberry.field(description="Where a visitor has to be for the stop's story to play "
                      "(see stopsAt), when it has a trigger zone.")
    def zone(self) -> Annotated[StopZone, strawberry.lazy("api.types.zone")] | None:
        from api.types.zone import StopZone

        return StopZone.of(zone_of(self.model))

    @strawberry.field(description="The enabled QR codes that open this stop.")
    async def qr_codes(self, info: Info) -> list[Annotated[QrCode,
                                                           strawberry.lazy("api.types.qr")]]:
        from api.types.qr import QrCode

        found = await info.context.loaders.qr_codes_by_stop.load(self.model.id)
        return [QrCode(model=q, chain=self.chain) for q in found]
