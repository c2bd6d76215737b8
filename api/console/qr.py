"""The console's QR codes of a destination (staff): every target (the site, its stops, the
scenes of its tours) with its codes; create a code for one, point a code at another, enable
or disable it, and print the destination's sheet of labels."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.console.render import View, headers, page, see_other
from core.errors import DomainError
from core.language import pick_text
from geo.service import get_destination
from qr import service as qr_service
from qr.codes import scan_url
from qr.images import svg
from qr.models import QrCode, TargetKind
from tours import service as tour_service
from tours import stops as stop_service

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of the QR section."""
    views = QrViews(console)
    return [Route("/destinations/{id:int}/qr", views.index, methods=["GET"]),
            Route("/destinations/{id:int}/qr", views.change, methods=["POST"]),
            Route("/destinations/{id:int}/qr/sheet", views.sheet, methods=["POST"])]


def _target(value: str) -> qr_service.QrTarget | None:
    kind, _, ident = value.partition(":")
    if kind not in {k.value for k in TargetKind} or not ident.isdigit():
        return None
    return qr_service.QrTarget(TargetKind(kind), int(ident))


class QrViews:
    """Pages of the QR section."""

    def __init__(self, console: Console):
        self.console = console

    async def _targets(self, session: Any, destination_id: int, lang: str
                       ) -> list[dict[str, Any]]:
        chain = (lang, "vi", "en")
        destination = await get_destination(session=session, destination_id=destination_id,
                                            include_drafts=True)
        if destination is None:
            return []
        targets: list[dict[str, Any]] = [{
            "kind": TargetKind.DESTINATION.value, "id": destination.id,
            "name": pick_text(destination.name, chain)}]
        route = (await stop_service.stops_of_destinations(
            session=session, destination_ids=[destination_id]))[destination_id]
        targets += [{"kind": TargetKind.STOP.value, "id": s.id,
                     "name": f"{s.position}. {pick_text(s.title, chain)}"} for s in route]
        tours = (await tour_service.tours_of_destinations(
            session=session, destination_ids=[destination_id])).get(destination_id, [])
        scenes = await tour_service.scenes_of_tours(session=session,
                                                    tour_ids=[t.id for t in tours])
        targets += [{"kind": TargetKind.SCENE.value, "id": s.id,
                     "name": f"360° {pick_text(t.title, chain)} · {pick_text(s.title, chain)}"}
                    for t in tours for s in scenes.get(t.id, [])]
        for kind in TargetKind:
            ids = [t["id"] for t in targets if t["kind"] == kind.value]
            codes = await qr_service.codes_of_targets(session=session, kind=kind, ids=ids,
                                                      enabled_only=False)
            for target in targets:
                if target["kind"] == kind.value:
                    target["codes"] = [self._code(qr) for qr in codes.get(target["id"], [])]
        return targets

    def _code(self, qr: QrCode) -> dict[str, Any]:
        url = scan_url(self.console.public_base_url, qr.code)
        image = base64.b64encode(svg(url, size_px=96).encode()).decode()
        return {"code": qr.code, "enabled": qr.enabled, "url": url,
                "image": f"data:image/svg+xml;base64,{image}"}

    async def index(self, request: Request, *, error: DomainError | None = None,
                    status: int = 200) -> Response:
        """A destination's targets and codes."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        destination_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            targets = await self._targets(session, destination_id, view.lang)
        if not targets:
            return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
        return page(view, "qr_codes.html", status=status, title=view.gettext(
            "QR codes of {name}", name=targets[0]["name"]), targets=targets, error=error,
            destination_id=destination_id)

    async def change(self, request: Request) -> Response:
        """Creates, retargets, enables or disables a code; a refusal writes nothing."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        action, code = fields.get("action", ""), fields.get("code", "")
        target = _target(fields.get("target", ""))
        async with self.console.sessions() as session:
            allowed = {(t["kind"], t["id"]) for t in
                       await self._targets(session, destination_id, view.lang)}
            try:
                if target is not None and (target.kind.value, target.id) not in allowed:
                    target = None  # only the targets of this destination, from this page
                if action == "create" and target is not None:
                    await qr_service.create_qr_code(session=session, actor=view.actor,
                                                    target=target,
                                                    code=fields.get("wanted") or None)
                elif action == "retarget" and target is not None:
                    await qr_service.retarget_qr_code(session=session, actor=view.actor,
                                                      code=code, target=target)
                elif action in ("enable", "disable"):
                    await qr_service.set_qr_code_enabled(session=session, actor=view.actor,
                                                         code=code, enabled=action == "enable")
                else:
                    return page(view, "refused.html", status=400,
                                title=view.gettext("Not allowed"))
            except DomainError as exc:
                await session.rollback()
                return await self.index(request, error=exc, status=400)
            await session.commit()
        return see_other(view, f"/console/destinations/{destination_id}/qr")

    async def sheet(self, request: Request) -> Response:
        """Prints the destination's sheet of labels (PDF) and opens it."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        if await self.console.form(request, view) is None:
            return self.console.refused(view)
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                printed = await qr_service.print_sheet(
                    session=session, store=self.console.store, actor=view.actor,
                    destination_id=int(request.path_params["id"]),
                    public_base_url=self.console.public_base_url)
            except DomainError as exc:
                return await self.index(request, error=exc, status=400)
        return RedirectResponse(printed.urls[0], status_code=303, headers=dict(headers(view)))
