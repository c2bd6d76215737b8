"""GraphQL types of destinations, written by hand over the geo models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Context
from api.types.common import GeoPoint, Node, to_global_id
from core.language import Localized, pick
from geo import hours as opening
from geo import models
from geo.hours import LOCAL_TZ

if TYPE_CHECKING:
    from api.types.offline import OfflinePack
    from api.types.stop import Stop
    from api.types.tour import Tour

# The geo enums, registered as GraphQL enums (values are sent by name: MUSEUM, NATIONAL...).
strawberry.enum(models.Category, name="DestinationCategory",
                description="What kind of place a destination is.")
strawberry.enum(models.HeritageRanking, name="HeritageRanking",
                description="The state's ranking of a relic: special national, national or "
                "provincial.")
DestinationCategory = models.Category
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
    def name(self) -> str:
        found = pick(self.model.name, self.chain)
        return found.text if found else self.model.code


@strawberry.type
class Price:
    """A ticket or price line, in Vietnamese đồng."""

    label: LocalizedText | None
    amount_vnd: int


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

    wheelchair: bool | None
    notes: LocalizedText | None


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@strawberry.type(description="A place to visit: texts come in the visitor's language.")
class Destination(Node):
    model: strawberry.Private[models.Destination]
    chain: strawberry.Private[tuple[str, ...]]
    # The fields every list asks for are plain values, set once: a page of 100 destinations
    # then costs graphql-core no resolver calls for them.
    slug: str
    name: str = strawberry.field(description="The name in the visitor's language (see nameLang).")
    name_lang: str = strawberry.field(description="BCP 47 tag of the language `name` is in.")
    location: GeoPoint

    @classmethod
    def from_model(cls, model: models.Destination, chain: tuple[str, ...]) -> Destination:
        """The GraphQL view of a destination in a language chain."""
        found = pick(model.name, chain)
        return cls(id=to_global_id("Destination", model.id), model=model, chain=chain,
                   slug=model.slug, name=found.text if found else model.slug,
                   name_lang=found.lang if found else "und",
                   location=GeoPoint(lat=model.lat, lng=model.lng))

    @strawberry.field
    def description(self) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.description, self.chain))

    @strawberry.field
    def address(self) -> LocalizedText | None:
        return LocalizedText.of(pick(self.model.address, self.chain))

    @strawberry.field(description="Languages the destination's name is written in.")
    def available_languages(self) -> list[str]:
        return sorted(self.model.name)

    @strawberry.field
    def category(self) -> DestinationCategory:
        return DestinationCategory(self.model.category)

    @strawberry.field
    def heritage_ranking(self) -> HeritageRanking | None:
        ranking = self.model.heritage_ranking
        return HeritageRanking(ranking) if ranking else None

    @strawberry.field
    def district(self) -> str | None:
        return self.model.district

    @strawberry.field
    async def province(self, info: Info) -> Province:
        found = await info.context.loaders.province.load(self.model.province_code)
        assert found is not None, "foreign key guarantees the province"
        return Province(model=found, chain=self.chain)


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
    def prices(self) -> list[Price]:
        return [Price(label=LocalizedText.of(pick(p.get("label"), self.chain)),
                      amount_vnd=int(p.get("amount_vnd", 0))) for p in self.model.prices]

    @strawberry.field
    def contact(self) -> Contact:
        c: dict[str, Any] = self.model.contact or {}
        return Contact(phone=c.get("phone"), email=c.get("email"), website=c.get("website"))

    @strawberry.field
    def accessibility(self) -> Accessibility:
        a: dict[str, Any] = self.model.accessibility or {}
        return Accessibility(wheelchair=a.get("wheelchair"),
                             notes=LocalizedText.of(pick(a.get("notes"), self.chain)))

    @strawberry.field(description="The site's guided stops in route order (audio guide).")
    async def stops(self, info: Info) -> list[Annotated[Stop, strawberry.lazy("api.types.stop")]]:
        from api.types.stop import Stop

        found = await info.context.loaders.stops_by_destination.load(self.model.id)
        return [Stop.from_model(s, self.chain) for s in found]

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
