"""QR codes: creating, retargeting and disabling them, and resolving a scan to what it opens."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import Actor, require_staff
from core.language import pick_text
from geo.models import Destination, Status
from media.store import MediaStore
from qr.codes import ALPHABET, new_code, normalize_code, scan_url
from qr.errors import QrError
from qr.errors import QrErrorCode as Code
from qr.images import ErrorCorrection
from qr.models import QrCode, TargetKind
from qr.sheet import Label, SheetFormat, render_sheet
from tours import service as tour_service
from tours import stops as stop_service
from tours.models import Narration, Scene, Stop, Tour

CODE_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class QrTarget:
    """What a code is to open: a kind and the id of a stop, destination or scene."""

    kind: TargetKind
    id: int


@dataclass(frozen=True, slots=True)
class ViewpointLink:
    """The matching view of a 360° tour."""

    tour_id: int
    scene_id: int
    yaw: float
    pitch: float
    hfov: float


@dataclass(slots=True)
class ScanView:
    """Everything the scan page shows, in every language (the API picks one)."""

    qr: QrCode
    destination: Destination
    stop: Stop | None = None
    narrations: list[Narration] = field(default_factory=list)  # the stop's, or the site's
    stops: list[Stop] = field(default_factory=list)
    stop_codes: dict[int, str] = field(default_factory=dict)
    viewpoint: ViewpointLink | None = None
    scene: Scene | None = None
    tour: Tour | None = None  # a site's published tour (the site's own code)


def _set_target(qr: QrCode, target: QrTarget) -> None:
    qr.target_kind = target.kind.value
    qr.stop_id = target.id if target.kind is TargetKind.STOP else None
    qr.destination_id = target.id if target.kind is TargetKind.DESTINATION else None
    qr.scene_id = target.id if target.kind is TargetKind.SCENE else None


async def _check_target(session: AsyncSession, target: QrTarget) -> None:
    model = {TargetKind.STOP: Stop, TargetKind.DESTINATION: Destination,
             TargetKind.SCENE: Scene}[target.kind]
    if await session.get(model, target.id) is None:
        raise QrError(Code.INVALID_QR_TARGET, f"no {target.kind.value} {target.id}",
                      field="target")


async def create_qr_code(*, session: AsyncSession, actor: Actor, target: QrTarget,
                         code: str | None = None) -> QrCode:
    """Creates an enabled code for a target, with a fresh short code or the one asked for
    (not committed)."""
    require_staff(actor)
    await _check_target(session, target)
    wanted = normalize_code(code) if code is not None else None
    if code is not None and wanted is None:
        raise QrError(Code.INVALID_QR_CODE, f"{code!r} is not a short code (4-16 of {ALPHABET})",
                      field="code")
    for _ in range(1 if wanted else CODE_ATTEMPTS):
        qr = QrCode(code=wanted or new_code(), enabled=True)
        _set_target(qr, target)
        try:
            async with session.begin_nested():
                session.add(qr)
                await session.flush()
        except IntegrityError:
            continue
        return qr
    if wanted:
        raise QrError(Code.QR_CODE_TAKEN, f"the code {wanted} is taken", field="code")
    raise QrError(Code.QR_CODE_SPACE_EXHAUSTED, "could not find a free short code")


async def get_qr_code(*, session: AsyncSession, code: str) -> QrCode | None:
    """Gets a code as typed or scanned (any case), enabled or not."""
    normal = normalize_code(code)
    if normal is None:
        return None
    found: QrCode | None = (await session.execute(
        select(QrCode).where(QrCode.code == normal))).scalar_one_or_none()
    return found


async def _code_or_fail(session: AsyncSession, code: str) -> QrCode:
    qr = await get_qr_code(session=session, code=code)
    if qr is None:
        raise QrError(Code.QR_CODE_NOT_FOUND, f"no QR code {code!r}", field="code")
    return qr


async def retarget_qr_code(*, session: AsyncSession, actor: Actor, code: str,
                           target: QrTarget) -> QrCode:
    """Points a printed code at another target (not committed)."""
    require_staff(actor)
    qr = await _code_or_fail(session, code)
    await _check_target(session, target)
    _set_target(qr, target)
    await session.flush()
    return qr


async def set_qr_code_enabled(*, session: AsyncSession, actor: Actor, code: str,
                              enabled: bool) -> QrCode:
    """Enables or disables a code (a disabled code answers 404)."""
    require_staff(actor)
    qr = await _code_or_fail(session, code)
    qr.enabled = enabled
    await session.flush()
    return qr


async def codes_of_targets(*, session: AsyncSession, kind: TargetKind, ids: Sequence[int],
                           enabled_only: bool = True) -> dict[int, list[QrCode]]:
    """The codes pointing at several targets of one kind, oldest first, one statement."""
    result: dict[int, list[QrCode]] = {i: [] for i in ids}
    if not ids:
        return result
    column = {TargetKind.STOP: QrCode.stop_id, TargetKind.DESTINATION: QrCode.destination_id,
              TargetKind.SCENE: QrCode.scene_id}[kind]
    stmt = select(QrCode).where(column.in_(set(ids)), QrCode.target_kind == kind.value)
    if enabled_only:
        stmt = stmt.where(QrCode.enabled.is_(True))
    for qr in (await session.execute(stmt.order_by(QrCode.id))).scalars():
        target = qr.target_id
        if target is not None:
            result[target].append(qr)
    return result


async def codes_of_site(*, session: AsyncSession, destination_id: int) -> list[QrCode]:
    """The enabled codes that open a destination, one of its stops or a scene of its tours,
    by code (what an offline pack carries), one statement."""
    stop_ids = select(Stop.id).where(Stop.destination_id == destination_id)
    scene_ids = (select(Scene.id).join(Tour, Tour.id == Scene.tour_id)
                 .where(Tour.destination_id == destination_id))
    stmt = (select(QrCode).where(QrCode.enabled.is_(True), or_(
        (QrCode.target_kind == TargetKind.DESTINATION.value)
        & (QrCode.destination_id == destination_id),
        (QrCode.target_kind == TargetKind.STOP.value) & QrCode.stop_id.in_(stop_ids),
        (QrCode.target_kind == TargetKind.SCENE.value) & QrCode.scene_id.in_(scene_ids)))
        .order_by(QrCode.code))
    return list((await session.execute(stmt)).scalars())


async def _published(session: AsyncSession, destination_id: int | None) -> Destination | None:
    if destination_id is None:
        return None
    found = await session.get(Destination, destination_id)
    return found if found is not None and found.status == Status.PUBLISHED.value else None


async def _route(session: AsyncSession, view: ScanView) -> None:
    view.stops = (await stop_service.stops_of_destinations(
        session=session, destination_ids=[view.destination.id]))[view.destination.id]
    codes = await codes_of_targets(session=session, kind=TargetKind.STOP,
                                   ids=[s.id for s in view.stops])
    view.stop_codes = {stop_id: found[0].code for stop_id, found in codes.items() if found}


def viewpoint_link(scene: Scene, yaw: float | None = None, pitch: float | None = None,
                   hfov: float | None = None) -> ViewpointLink:
    """The view of a scene at given angles (the scene's initial view where none is given)."""
    return ViewpointLink(
        tour_id=scene.tour_id, scene_id=scene.id,
        yaw=yaw if yaw is not None else scene.initial_yaw,
        pitch=pitch if pitch is not None else scene.initial_pitch,
        hfov=hfov if hfov is not None else scene.initial_hfov)


async def _viewpoint(session: AsyncSession, scene_id: int, yaw: float | None,
                     pitch: float | None, hfov: float | None) -> tuple[Scene, ViewpointLink]:
    scene = await session.get(Scene, scene_id)
    assert scene is not None, "foreign key guarantees the scene"
    return scene, viewpoint_link(scene, yaw, pitch, hfov)


async def resolve_scan(*, session: AsyncSession, code: str) -> ScanView | None:
    """What a scanned code opens; None when the code is unknown, disabled, or its target is
    gone or not public."""
    qr = await get_qr_code(session=session, code=code)
    if qr is None or not qr.enabled or qr.target_id is None:
        return None
    kind = TargetKind(qr.target_kind)
    if kind is TargetKind.STOP:
        stop = await session.get(Stop, qr.target_id)
        destination = await _published(session, stop.destination_id if stop else None)
        if stop is None or destination is None:
            return None
        view = ScanView(qr=qr, destination=destination, stop=stop)
        view.narrations = (await stop_service.narrations_of_stops(
            session=session, stop_ids=[stop.id]))[stop.id]
        if stop.viewpoint_scene_id is not None:
            view.scene, view.viewpoint = await _viewpoint(
                session, stop.viewpoint_scene_id, stop.viewpoint_yaw, stop.viewpoint_pitch,
                stop.viewpoint_hfov)
    elif kind is TargetKind.DESTINATION:
        destination = await _published(session, qr.target_id)
        if destination is None:
            return None
        view = ScanView(qr=qr, destination=destination)
        tours = await tour_service.tours_of_destinations(session=session,
                                                         destination_ids=[destination.id])
        view.tour = next(iter(tours.get(destination.id, [])), None)
        view.narrations = (await stop_service.narrations_of_sites(
            session=session, destination_ids=[destination.id]))[destination.id]
    else:
        scene, link = await _viewpoint(session, qr.target_id, None, None, None)
        tour = await session.get(Tour, scene.tour_id)
        destination = await _published(session, tour.destination_id if tour else None)
        if destination is None:
            return None
        view = ScanView(qr=qr, destination=destination, scene=scene, viewpoint=link)
    await _route(session, view)
    return view


async def sheet_labels(*, session: AsyncSession, destination_id: int, public_base_url: str
                       ) -> list[Label]:
    """The labels of a destination's print sheet: its own codes, then each stop's codes in
    route order, titled in Vietnamese and English."""
    destination = await session.get(Destination, destination_id)
    if destination is None:
        raise QrError(Code.INVALID_QR_TARGET, f"no destination {destination_id}",
                      field="destinationId")
    route = (await stop_service.stops_of_destinations(
        session=session, destination_ids=[destination_id]))[destination_id]
    own = (await codes_of_targets(session=session, kind=TargetKind.DESTINATION,
                                  ids=[destination_id]))[destination_id]
    by_stop = await codes_of_targets(session=session, kind=TargetKind.STOP,
                                     ids=[s.id for s in route])

    def label(qr: QrCode, names: dict[str, str]) -> Label:
        return Label(code=qr.code, url=scan_url(public_base_url, qr.code),
                     title_vi=pick_text(names, ("vi", "en")),
                     title_en=pick_text(names, ("en", "vi")))

    return [label(q, destination.name) for q in own] + [
        label(q, stop.title) for stop in route for q in by_stop[stop.id]]


@dataclass(frozen=True, slots=True)
class PrintedSheet:
    """A print sheet written to the media store."""

    content_type: str
    label_count: int
    urls: list[str]


async def print_sheet(
    *, session: AsyncSession, store: MediaStore, actor: Actor, destination_id: int,
    public_base_url: str, format: SheetFormat = SheetFormat.PDF,
    level: ErrorCorrection = ErrorCorrection.M,
) -> PrintedSheet:
    """An A4 print sheet of a destination's QR labels (staff only), kept in the media store
    under its digest; gives where to fetch it."""
    require_staff(actor)
    labels = await sheet_labels(session=session, destination_id=destination_id,
                                public_base_url=public_base_url)
    rendered = await asyncio.to_thread(render_sheet, labels, format=format, level=level)
    urls = []
    for data in rendered.documents:
        key = f"qr-sheets/{hashlib.sha256(data).hexdigest()[:32]}/sheet.{rendered.format.value}"
        await asyncio.to_thread(store.put, key, data, rendered.content_type, immutable=True)
        urls.append(store.url(key))
    return PrintedSheet(content_type=rendered.content_type, label_count=len(labels), urls=urls)
