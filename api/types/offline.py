"""GraphQL types of offline packs: what a visitor downloads before a trip, and how big each
part is, announced before the download."""

from __future__ import annotations

from urllib.parse import urlencode

import strawberry

from api.context import Context
from tours import offline

Info = strawberry.Info[Context, None]


@strawberry.type(description="One language's narrations in a pack (audio in every format "
                 "and transcripts): a chosen language, or the fallback that serves it.")
class OfflinePackLanguage:
    lang: str = strawberry.field(description="BCP 47 tag of the narrations' language.")
    bytes: float = strawberry.field(description="Their bytes in the zip, uncompressed.")
    files: int


@strawberry.type(description="A destination's guide for a trip without a network, in the "
                 "chosen languages: its data, tours (first tile levels), stops in route order, "
                 "narrations with transcripts and the codes printed on site. Total = baseBytes "
                 "+ the bytes of every language.")
class OfflinePack:
    model: strawberry.Private[offline.OfflinePack]
    base_url: strawberry.Private[str]

    @strawberry.field(description="The languages the pack was asked in (BCP 47, in order).")
    def requested_languages(self) -> list[str]:
        return list(self.model.languages)

    @strawberry.field(description="Each language whose narrations the pack holds, with its "
                      "bytes: what choosing it adds to the download.")
    def languages(self) -> list[OfflinePackLanguage]:
        return [OfflinePackLanguage(lang=p.lang, bytes=float(p.bytes), files=p.files)
                for p in self.model.language_parts()]

    @strawberry.field(description="Bytes of what is not a narration: data, tours, panoramas, "
                      "stops, codes.")
    def base_bytes(self) -> float:
        return float(self.model.base_bytes)

    @strawberry.field(description="Bytes of the whole pack (its files, uncompressed).")
    def total_bytes(self) -> float:
        return float(self.model.total_bytes)

    @strawberry.field(description="The content version: it changes whenever a text, stop, "
                      "narration, code or panorama of the pack does.")
    def version(self) -> str:
        return offline.pack_version(self.model)

    @strawberry.field(description="The zip (answers 307 to the store, where it is built once "
                      "per version).")
    def url(self) -> str:
        return self._url("zip")

    @strawberry.field(description="The manifest as JSON: every file with its URL and bytes.")
    def manifest_url(self) -> str:
        return self._url("json")

    def _url(self, kind: str) -> str:
        query = urlencode({"lang": ",".join(self.model.languages)})
        return f"{self.base_url}/destinations/{self.model.destination}/offline.{kind}?{query}"
