"""Staff mutations of the audio guides: stops, narration uploads, QR codes and print sheets."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.types.common import int_key
from api.types.qr import QrCode, QrSheet
from api.types.stop import Narration, NarrationAudioType, Stop
from api.types.uploads import PresignedUpload
from api.types.zone import StopZoneInput
from qr import service as qr_service
from qr.images import ErrorCorrection
from qr.models import TargetKind
from qr.sheet import SheetFormat
from tours import narrations, stop_edits, stops, zones
from tours.stop_edits import Direction
from tours.stops import Translation

strawberry.enum(Direction, name="StopMoveDirection",
                description="Where a stop moves in its site's route: one place up or down.")

Info = strawberry.Info[Context, None]


@strawberry.input(description="A text in one language.")
class TextInput:
    lang: str
    text: str


@strawberry.input(description="A view of a 360° tour: a scene and angles in degrees.")
class ViewpointInput:
    scene_id: strawberry.ID
    yaw: float = 0.0
    pitch: float = 0.0
    hfov: float = 100.0


@strawberry.input
class CreateStopInput:
    destination_id: strawberry.ID
    title: list[TextInput]
    text: list[TextInput] | None = None
    position: int | None = strawberry.field(default=None,
                                            description="Route order; the end by default.")
    viewpoint: ViewpointInput | None = None


@strawberry.input(description="A stop's new fields; a field left out stays as it is. Each "
                  "text list is the whole set of languages (a language left out is removed).")
class UpdateStopInput:
    stop_id: strawberry.ID
    title: list[TextInput] | None = None
    text: list[TextInput] | None = None
    viewpoint: ViewpointInput | None = None
    clear_viewpoint: bool = strawberry.field(default=False,
                                             description="Take the stop's viewpoint away.")

    def value(self) -> stop_edits.StopEdit:
        """The edit as the tours service takes it."""
        view = self.viewpoint
        return stop_edits.StopEdit(
            title={t.lang: t.text for t in self.title} if self.title is not None else None,
            text={t.lang: t.text for t in self.text} if self.text is not None else None,
            viewpoint=stops.Viewpoint(scene_id=int_key(view.scene_id, "Scene"), yaw=view.yaw,
                                      pitch=view.pitch, hfov=view.hfov) if view else None,
            clear_viewpoint=self.clear_viewpoint)


@strawberry.input(description="What a QR code opens.")
class QrTargetInput:
    kind: TargetKind
    id: strawberry.ID = strawberry.field(description="Global id of a Stop, Destination or Scene.")

    def value(self) -> qr_service.QrTarget:
        """The target as the QR service takes it."""
        return qr_service.QrTarget(kind=self.kind, id=int_key(self.id, self.kind.value.title()))


async def _committed(info: Info) -> None:
    await info.context.session.commit()
    request = info.context.request
    routes = getattr(request.app.state, "qr", None) if request is not None else None
    if routes is not None:
        routes.clear_cache()


def _key(global_id: strawberry.ID | None, expected: str) -> int | None:
    return int_key(global_id, expected) if global_id is not None else None


@strawberry.type
class QrMutations:
    """Changes to stops, narrations and QR codes (department staff only)."""

    @strawberry.mutation(description="Adds a stop to a site's route.")
    async def create_stop(self, info: Info, input: CreateStopInput) -> Stop:
        view = input.viewpoint
        stop = await stops.create_stop(
            session=info.context.session, actor=info.context.actor,
            data=stops.NewStop(
                destination_id=int_key(input.destination_id, "Destination"),
                title={t.lang: t.text for t in input.title},
                text={t.lang: t.text for t in input.text or []},
                position=input.position,
                viewpoint=stops.Viewpoint(scene_id=int_key(view.scene_id, "Scene"),
                                          yaw=view.yaw, pitch=view.pitch, hfov=view.hfov)
                if view else None))
        await _committed(info)
        return Stop.from_model(stop, info.context.chain(None))

    @strawberry.mutation(description="Changes a stop's titles, texts and viewpoint; a refused "
                         "edit changes nothing.")
    async def update_stop(self, info: Info, input: UpdateStopInput) -> Stop:
        stop = await stop_edits.update_stop(
            session=info.context.session, actor=info.context.actor,
            stop_id=int_key(input.stop_id, "Stop"), edit=input.value(), now=info.context.now)
        await _committed(info)
        return Stop.from_model(stop, info.context.chain(None))

    @strawberry.mutation(description="Moves a stop one place up or down its site's route; "
                         "gives the route in its new order.")
    async def move_stop(self, info: Info, stop_id: strawberry.ID,
                        direction: Direction) -> list[Stop]:
        route = await stop_edits.move_stop(
            session=info.context.session, actor=info.context.actor,
            stop_id=int_key(stop_id, "Stop"), direction=direction, now=info.context.now)
        await _committed(info)
        chain = info.context.chain(None)
        return [Stop.from_model(s, chain) for s in route]

    @strawberry.mutation(description="Deletes a stop with its narrations and their files; its "
                         "QR codes stay, opening nothing until retargeted. Gives the id.")
    async def delete_stop(self, info: Info, stop_id: strawberry.ID) -> strawberry.ID:
        await stop_edits.delete_stop(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            stop_id=int_key(stop_id, "Stop"), now=info.context.now)
        await _committed(info)
        return stop_id

    @strawberry.mutation(description="Deletes the narration of a stop (stopId) or of a site "
                         "(destinationId) in one language, every format of it and its "
                         "transcript. Gives true.")
    async def delete_narration(self, info: Info, lang: str,
                               stop_id: strawberry.ID | None = None,
                               destination_id: strawberry.ID | None = None) -> bool:
        await stop_edits.delete_narration(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            lang=lang, stop_id=_key(stop_id, "Stop"),
            destination_id=_key(destination_id, "Destination"), now=info.context.now)
        await _committed(info)
        return True

    @strawberry.mutation(description="Sets a stop's trigger zone (a circle or a polygon), or "
                         "clears it when zone is null or left out; a refused zone changes nothing.")
    async def set_stop_zone(self, info: Info, stop_id: strawberry.ID,
                            zone: StopZoneInput | None = None) -> Stop:
        stop = await zones.set_stop_zone(
            session=info.context.session, actor=info.context.actor,
            stop_id=int_key(stop_id, "Stop"), zone=zone.value() if zone else None)
        await _committed(info)
        return Stop.from_model(stop, info.context.chain(None))

    @strawberry.mutation(description="Starts a narration upload: a presigned POST for the "
                         "audio of a stop's narration (stopId) or of a whole site's "
                         "(destinationId: what the site's own code plays), exactly one of the "
                         "two. Confirm it with confirmNarrationUpload.")
    async def request_narration_upload(
        self, info: Info, lang: str, content_type: NarrationAudioType,
        stop_id: strawberry.ID | None = None, destination_id: strawberry.ID | None = None,
    ) -> PresignedUpload:
        issued = await narrations.request_narration_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            stop_id=_key(stop_id, "Stop"), destination_id=_key(destination_id, "Destination"),
            lang=lang, content_type=content_type.value, now=info.context.now)
        await info.context.session.commit()
        return PresignedUpload.of(issued)

    @strawberry.mutation(description="Checks the uploaded audio (type, integrity, duration, "
                         "size) and the WebVTT transcript, then keeps the narration of the stop "
                         "or the site the upload was issued for; without a transcript, keeps "
                         "it as another format of the narration in that language (the same "
                         "length); a refused upload is deleted.")
    async def confirm_narration_upload(
        self, info: Info, lang: str, key: str, stop_id: strawberry.ID | None = None,
        transcript: str | None = None, translation: Translation = Translation.ORIGINAL,
        destination_id: strawberry.ID | None = None,
    ) -> Narration:
        narration = await narrations.confirm_narration_upload(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            stop_id=_key(stop_id, "Stop"), destination_id=_key(destination_id, "Destination"),
            lang=lang, key=key, transcript=transcript, translation=translation,
            now=info.context.now)
        await _committed(info)
        return Narration(model=narration)

    @strawberry.mutation(description="Creates a QR code with a fresh short code.")
    async def create_qr_code(self, info: Info, target: QrTargetInput) -> QrCode:
        qr = await qr_service.create_qr_code(session=info.context.session,
                                             actor=info.context.actor, target=target.value())
        await _committed(info)
        return QrCode(model=qr, chain=info.context.chain(None))

    @strawberry.mutation(description="Points a printed code at another target.")
    async def retarget_qr_code(self, info: Info, code: str, target: QrTargetInput) -> QrCode:
        qr = await qr_service.retarget_qr_code(session=info.context.session,
                                               actor=info.context.actor, code=code,
                                               target=target.value())
        await _committed(info)
        return QrCode(model=qr, chain=info.context.chain(None))

    @strawberry.mutation(description="Enables or disables a code (a disabled code answers 404).")
    async def set_qr_code_enabled(self, info: Info, code: str, enabled: bool) -> QrCode:
        qr = await qr_service.set_qr_code_enabled(session=info.context.session,
                                                  actor=info.context.actor, code=code,
                                                  enabled=enabled)
        await _committed(info)
        return QrCode(model=qr, chain=info.context.chain(None))

    @strawberry.mutation(description="Staff: prints an A4 sheet of a destination's QR labels "
                         "into the media store.")
    async def print_qr_sheet(self, info: Info, destination_id: strawberry.ID,
                             format: SheetFormat = SheetFormat.PDF,
                             level: ErrorCorrection = ErrorCorrection.M) -> QrSheet:
        printed = await qr_service.print_sheet(
            session=info.context.session, store=info.context.store, actor=info.context.actor,
            destination_id=int_key(destination_id, "Destination"),
            public_base_url=info.context.settings.server.public_base_url, format=format,
            level=level)
        return QrSheet.of(printed)
