"""GraphQL types of destinations, written by hand over the geo models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Context
from api.types.common import GeoPoint, Lang, Node, to_global_id
from core.language import Localized, pick
from core.time import LOCAL_TZ
from geo import hours as opening
from geo import models

if TYPE_CHECKING:
    from api.types.cover import CoverPhoto
    from api.types.crowding import Crowding
    from api.types.offline import OfflinePack
    from api.types.stop import Narration, Stop
    from api.types.tour import Tour

# The geo enums, registered as GraphQL enums (values are sent by name: MUSEUM, NATIONAL...).
strawberry.enum(models.Category, name="DestinationCategory",
                description="What kind of place a destination is.")
strawberry.enum(models.HeritageRanking, name="HeritageRanking",
                description="The state's ranking of a relic: special national, national or "
                "provincial.")
strawberry.enum(models.Status, name="DestinationStatus",
                description="Whether the public sees a destination.")
DestinationCategory = models.Category
DestinationStatus = models.Status
HeritageRanking = models.HeritageRanking

Info = strawberry.Info[Context, None]


@strawberry.type(description="A text in the visitor's language, or the nearest fallback.")
class LocalizedText:
    text: str
    lang: str = strawberry.field(description="BCP 47 tag of the language the text is in.")

    @classmethod
    def of(cls, found: Localized | None) -> LocalizedText | None:
        """The GraphQL view of a picked text."""
        return cls(text=found.text, lang=found.lang) if found else None


@strawberry.type
class Province:
    """A province of Vietnam."""

    model: strawberry.Private[models.Province]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def code(self) -> str:
        return self.model.code

    @strawberry.field
    def name(self, info: Info, lang: Lang = None) -> str:
        found = pick(self.model.name, info.context.chain(lang, self.chain))
        return found.text if found else self.model.code


@strawberry.type
class Price:
    """A ticket or price line, in Vietnamese đồng."""

    line: strawberry.Private[dict[str, Any]]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def label(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.line.get("label"), info.context.chain(lang, self.chain)))

    @strawberry.field
    def amount_vnd(self) -> int:
        return int(self.line.get("amount_vnd", 0))


@strawberry.type
class OpeningPeriod:
    """Open from `opens` to `closes` (local time, HH:MM) on a weekday (1 = Monday)."""

    weekday: int
    opens: str
    closes: str


@strawberry.type
class OpeningHours:
    """Weekly opening hours in the destination's time zone."""

    timezone: str
    always_open: bool
    periods: list[OpeningPeriod]


@strawberry.type
class Contact:
    """How to reach a destination."""

    phone: str | None
    email: str | None
    website: str | None


@strawberry.type
class Accessibility:
    """What a visitor with reduced mobility should know."""

    document: strawberry.Private[dict[str, Any]]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def wheelchair(self) -> bool | None:
        found: bool | None = self.document.get("wheelchair")
        return found

    @strawberry.field
    def notes(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.document.get("notes"),
                                     info.context.chain(lang, self.chain)))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@strawberry.type(description="A place to visit: texts come in the visitor's language; each "
                 "text field takes `lang`, so that a normalized cache keeps languages apart.")
class Destination(Node):
    model: strawberry.Private[models.Destination]
    chain: strawberry.Private[tuple[str, ...]]
    slug: str
    location: GeoPoint

    @classmethod
    def from_model(cls, model: models.Destination, chain: tuple[str, ...]) -> Destination:
        """The GraphQL view of a destination in a language chain."""
        return cls(id=to_global_id("Destination", model.id), model=model, chain=chain,
                   slug=model.slug, location=GeoPoint(lat=model.lat, lng=model.lng))

    def _name(self, info: Info, lang: str | None) -> Localized | None:
        return pick(self.model.name, info.context.chain(lang, self.chain))

    @strawberry.field(description="The name in the visitor's language (see nameLang).")
    def name(self, info: Info, lang: Lang = None) -> str:
        found = self._name(info, lang)
        return found.text if found else self.model.slug

    @strawberry.field(description="BCP 47 tag of the language `name` is in.")
    def name_lang(self, info: Info, lang: Lang = None) -> str:
        found = self._name(info, lang)
        return found.lang if found else "und"

    @strawberry.field
    def description(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.description, info.context.chain(lang, self.chain)))

    @strawberry.field
    def address(self, info: Info, lang: Lang = None) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.address, info.context.chain(lang, self.chain)))

    @strawberry.field(description="The photo for list views, in every size it is kept in: the "
                      "first photo of the listing, else the preview of its 360° tour.")
    async def cover_photo(self, info: Info) -> Annotated[
            CoverPhoto, strawberry.lazy("api.types.cover")] | None:
        from api.types.cover import cover_of

        return await cover_of(info, self.model.id)

    @strawberry.field(description="How busy the site is now and by hour of the week, from "
                      "its people counters; null when none posted in the last 8 weeks.")
    async def crowding(self, info: Info) -> Annotated[
            Crowding, strawberry.lazy("api.types.crowding")] | None:
        from api.types.crowding import Crowding

        found = await info.context.loaders.crowding.load(self.model.id)
        return Crowding.of(found) if found else None

    @strawberry.field(description="Languages the destination's name is written in.")
    def available_languages(self) -> list[str]:
        return sorted(self.model.name)

    @strawberry.field
    def category(self) -> DestinationCategory:
        return DestinationCategory(self.model.category)

    @strawberry.field(description="Published, or a draft only staff see.")
    def status(self) -> DestinationStatus:
        return DestinationStatus(self.model.status)

    @strawberry.field
    def heritage_ranking(self) -> HeritageRanking | None:
        ranking = self.model.heritage_ranking
        return HeritageRanking(ranking) if ranking else None

    @strawberry.field
    def district(self) -> str | None:
        return self.model.district

    @strawberry.field
    async def province(self, info: Info, lang: Lang = None) -> Province:
        found = await info.context.loaders.province.load(self.model.province_code)
        assert found is not None, "foreign key guarantees the province"
        return Province(model=found, chain=info.context.chain(lang, self.chain))

    @strawberry.field
    async def opening_hours(self, info: Info) -> OpeningHours | None:
        document = self.model.opening_hours
        if not document:
            return None
        found = await info.context.loaders.opening_periods.load(self.model.id)
        return OpeningHours(
            timezone=str(LOCAL_TZ), always_open=bool(document.get("always_open")),
            periods=[OpeningPeriod(weekday=p.weekday + 1, opens=_hhmm(p.opens_minute),
                                   closes=_hhmm(p.closes_minute)) for p in found],
        )

    @strawberry.field(description="Whether it is open now; null when its hours are unknown.")
    async def open_now(self, info: Info) -> bool | None:
        if not self.model.opening_hours:
            return None
        found = await info.context.loaders.opening_periods.load(self.model.id)
        return opening.is_open(
            [opening.Period(p.weekday, p.opens_minute, p.closes_minute) for p in found],
            info.context.now,
        )

    @strawberry.field
    def prices(self, info: Info, lang: Lang = None) -> list[Price]:
        chain = info.context.chain(lang, self.chain)
        return [Price(line=p, chain=chain) for p in self.model.prices]

    @strawberry.field
    def contact(self) -> Contact:
        c: dict[str, Any] = self.model.contact or {}
        return Contact(phone=c.get("phone"), email=c.get("email"), website=c.get("website"))

    @strawberry.field
    def accessibility(self, info: Info, lang: Lang = None) -> Accessibility:
        return Accessibility(document=self.model.accessibility or {},
                             chain=info.context.chain(lang, self.chain))

    @strawberry.field(description="The site's guided stops in route order (audio guide).")
    async def stops(self, info: Info) -> list[Annotated[Stop, strawberry.lazy("api.types.stop")]]:
        from api.types.stop import Stop

        found = await info.context.loaders.stops_by_destination.load(self.model.id)
        return [Stop.from_model(s, self.chain) for s in found]

    @strawberry.field(description="The site's own narration (what its own QR code plays) in "
                      "the visitor's language, or the nearest one it has.")
    async def narration(self, info: Info, lang: Lang = None
                        ) -> Annotated[Narration, strawberry.lazy("api.types.stop")] | None:
        from api.types.stop import Narration
        from tours.stops import pick_narration

        found = pick_narration(await info.context.loaders.narrations_by_site.load(self.model.id),
                               info.context.chain(lang, self.chain))
        return Narration(model=found) if found else None

    @strawberry.field(description="The destination's published 360° virtual tours.")
    async def tours(self, info: Info) -> list[Annotated[Tour, strawberry.lazy("api.types.tour")]]:
        from api.types.tour import Tour

        found = await info.context.loaders.tours_by_destination.load(self.model.id)
        return [Tour.from_model(t, self.chain) for t in found]

    @strawberry.field(description="The offline pack in the chosen languages (BCP 47 tags; "
                      "else the visitor's first language), with the size of each language "
                      "announced before the download.")
    async def offline_pack(self, info: Info, languages: list[str] | None = None
                           ) -> Annotated[OfflinePack, strawberry.lazy("api.types.offline")]:
        from api.tour_routes import site_pack
        from api.types.offline import OfflinePack
        from tours.offline import pack_languages

        chosen = pack_languages(",".join(languages) if languages else None,
                                info.context.accept_language)
        base_url = info.context.settings.server.public_base_url.rstrip("/")
        pack = await site_pack(session=info.context.session, store=info.context.store,
                               destination=self.model, languages=chosen,
                               public_base_url=base_url)
        return OfflinePack(model=pack, base_url=base_url)
