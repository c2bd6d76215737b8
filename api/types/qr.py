"""GraphQL types of QR codes, print sheets and scan statistics."""

from __future__ import annotations

import base64
from datetime import date
from enum import StrEnum

import strawberry

from api.context import Context
from api.types.common import Lang, to_global_id
from api.types.destination import Destination
from api.types.stop import Narration, Stop
from qr import images
from qr.codes import scan_url
from qr.images import ErrorCorrection
from qr.models import QrCode as QrCodeModel
from qr.models import TargetKind
from qr.scans import ScanRow as ScanRowValue
from qr.service import PrintedSheet
from qr.sheet import SheetFormat
from tours.stops import pick_narration

strawberry.enum(TargetKind, name="QrTargetKind", description="What a QR code opens.")
strawberry.enum(ErrorCorrection, name="QrErrorCorrection",
                description="How much of a printed code may be damaged: L 7 %, M 15 %, "
                "Q 25 %, H 30 %.")

Info = strawberry.Info[Context, None]
MAX_IMAGE_PX = 1024


class QrImageFormat(StrEnum):
    """Image formats of a QR code."""

    PNG = "png"
    SVG = "svg"


strawberry.enum(QrImageFormat)
strawberry.enum(SheetFormat, name="QrSheetFormat")


@strawberry.type(description="A QR code image.")
class QrImage:
    content_type: str
    data_url: str = strawberry.field(description="The image as a data: URL.")


@strawberry.type(description="A printed short code; its target can change without reprinting.")
class QrCode:
    model: strawberry.Private[QrCodeModel]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The short code printed under the symbol (no 0/O/1/I).")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="The URL the symbol encodes.")
    def url(self, info: Info) -> str:
        return scan_url(info.context.settings.server.public_base_url, self.model.code)

    @strawberry.field
    def enabled(self) -> bool:
        return self.model.enabled

    @strawberry.field
    def target_kind(self) -> TargetKind:
        return TargetKind(self.model.target_kind)

    @strawberry.field(description="Global id of the target (a Stop, Destination or Scene).")
    def target_id(self) -> strawberry.ID | None:
        target = self.model.target_id
        return to_global_id(self.model.target_kind.title(), target) if target else None

    @strawberry.field
    async def stop(self, info: Info) -> Stop | None:
        if self.model.stop_id is None or self.model.target_kind != TargetKind.STOP:
            return None
        found = await info.context.loaders.stop.load(self.model.stop_id)
        return Stop.from_model(found, self.chain) if found else None

    @strawberry.field(description="The destination the code opens, or the one of its stop.")
    async def destination(self, info: Info) -> Destination | None:
        destination_id = self.model.destination_id
        if self.model.target_kind == TargetKind.STOP and self.model.stop_id is not None:
            stop = await info.context.loaders.stop.load(self.model.stop_id)
            destination_id = stop.destination_id if stop else None
        if destination_id is None:
            return None
        found = await info.context.loaders.destination.load(destination_id)
        return Destination.from_model(found, self.chain) if found else None

    @strawberry.field(description="The narration of the code's stop, or of its site (a "
                      "site's own code), in the visitor's language.")
    async def narration(self, info: Info, lang: Lang = None) -> Narration | None:
        if self.model.stop_id is not None and self.model.target_kind == TargetKind.STOP:
            told = await info.context.loaders.narrations_by_stop.load(self.model.stop_id)
        elif (self.model.destination_id is not None
              and self.model.target_kind == TargetKind.DESTINATION):
            told = await info.context.loaders.narrations_by_site.load(self.model.destination_id)
        else:
            return None
        found = pick_narration(told, info.context.chain(lang, self.chain))
        return Narration(model=found) if found else None

    @strawberry.field(description="The symbol as PNG or SVG, size in pixels (64..1024).")
    def image(self, info: Info, format: QrImageFormat = QrImageFormat.SVG, size: int = 512,
              level: ErrorCorrection = ErrorCorrection.M) -> QrImage:
        url = scan_url(info.context.settings.server.public_base_url, self.model.code)
        size = min(size, MAX_IMAGE_PX)
        if format is QrImageFormat.PNG:
            data = images.png(url, size_px=size, level=level)
            return QrImage(content_type="image/png", data_url="data:image/png;base64,"
                           + base64.b64encode(data).decode())
        text = images.svg(url, size_px=size, level=level)
        return QrImage(content_type="image/svg+xml", data_url="data:image/svg+xml;base64,"
                       + base64.b64encode(text.encode()).decode())


@strawberry.type(description="A kiosk's view of a site: its stops in route order with their "
                 "QR codes (ask each stop for `qrCodes` and `narration`).")
class Kiosk:
    destination: Destination
    stops: list[Stop]


@strawberry.type(description="A print sheet of a destination's QR labels, in the media store.")
class QrSheet:
    content_type: str
    label_count: int
    urls: list[str] = strawberry.field(description="One PDF, or one SVG per A4 page.")

    @classmethod
    def of(cls, printed: PrintedSheet) -> QrSheet:
        """The GraphQL view of a printed sheet."""
        return cls(content_type=printed.content_type, label_count=printed.label_count,
                   urls=list(printed.urls))


@strawberry.type(description="Scans of one code on one day, for a target, language and "
                 "channel (app or web).")
class ScanRow:
    day: date
    code: str
    target_kind: TargetKind
    target_id: strawberry.ID
    lang: str
    channel: str
    count: int

    @classmethod
    def of(cls, row: ScanRowValue) -> ScanRow:
        """The GraphQL view of a statistics row."""
        return cls(day=row.day, code=row.code, target_kind=TargetKind(row.target_kind),
                   target_id=to_global_id(row.target_kind.title(), row.target_id),
                   lang=row.lang, channel=row.channel, count=row.count)


@strawberry.type(description="Scan counts for staff, with a CSV export.")
class ScanStatistics:
    rows: list[ScanRow]
    total: int
    csv: str = strawberry.field(description="The rows as CSV, for a spreadsheet.")
