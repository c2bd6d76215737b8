"""The console's panorama uploads (staff), through the one upload flow (media/uploads.py): the
tour page's script (api/static/console-panorama.js) asks for a presigned POST, sends the file
straight to the store with a progress bar and records the upload; without JavaScript the form
posts a small file here, which is put under a pending upload's key and recorded the same way.
Either way the panorama is PENDING until the tiler makes it READY (the local server tiles
in-process; on Lambda the store's event starts the tiler), and the page follows its status."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.console.app import Posted
from api.console.guard import CSRF_FIELD
from api.console.render import View, headers, see_other
from api.console.tours import MAX_DIRECT_MB, STATUS_WORDS, not_found
from core.errors import DomainError
from media import service as media_service
from media.models import Panorama
from media.store import MediaStore
from tours import tour_edits
from tours.errors import TourErrorCode

if TYPE_CHECKING:
    from api.console.app import Console
    from api.console.tours import TourViews

MAX_DIRECT_BYTES = MAX_DIRECT_MB * 1024 * 1024


def routes(console: Console, tours: TourViews) -> list[Route]:
    """The routes of panorama uploads and their status."""
    views = UploadViews(console, tours)
    return [Route("/tours/{id:int}/upload", views.request_upload, methods=["POST"]),
            Route("/tours/{id:int}/panoramas", views.add_panorama, methods=["POST"]),
            Route("/tours/{id:int}/panorama-file", views.receive_file, methods=["POST"]),
            Route("/panoramas/{id:int}", views.panorama_status, methods=["GET"])]


class UploadViews:
    """Answers of the panorama uploads."""

    def __init__(self, console: Console, tours: TourViews):
        self.console = console
        self.tours = tours

    def _json(self, view: View, body: dict[str, Any], status: int = 200) -> JSONResponse:
        return JSONResponse(body, status_code=status, headers=dict(headers(view)))

    def _refusal(self, view: View, exc: DomainError) -> JSONResponse:
        return self._json(view, {"code": str(exc.code), "message": exc.message}, 400)

    async def request_upload(self, request: Request) -> Response:
        """A presigned POST for one panorama (the page's script sends the file there)."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view, fields = posted
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                issued = await media_service.request_panorama_upload(
                    session=session, store=self.console.store, actor=view.actor,
                    content_type=fields.get("content_type", ""))
            except DomainError as exc:
                return self._refusal(view, exc)
            await session.commit()
        return self._json(view, {"url": issued.url, "fields": issued.fields, "key": issued.key,
                                 "maxBytes": issued.max_bytes})

    async def _record(self, request: Request, view: View, key: str) -> Panorama:
        """The PENDING panorama of an upload, committed, its ingest queued (the local
        server tiles in-process; on Lambda the store's event starts the tiler)."""
        assert view.actor is not None
        async with self.console.sessions() as session:
            panorama, created = await media_service.add_panorama_from_upload(
                session=session, store=self.console.store, actor=view.actor, key=key)
            await session.commit()
        worker = getattr(request.app.state, "ingest", None)
        if created and worker is not None:
            worker.submit(key)
        return panorama

    async def add_panorama(self, request: Request) -> Response:
        """Records the panorama the script uploaded; JSON with where to follow its ingest."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        try:
            panorama = await self._record(request, view, fields.get("key", ""))
        except DomainError as exc:
            return self._refusal(view, exc)
        return self._json(view, {"id": panorama.id, "status": panorama.status,
                                 "statusUrl": f"/console/panoramas/{panorama.id}"})

    async def receive_file(self, request: Request) -> Response:
        """A panorama posted without JavaScript (at most MAX_DIRECT_BYTES): put under a
        pending upload's key, then recorded as the script's upload is."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        tour_id = int(request.path_params["id"])
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_DIRECT_BYTES + 64 * 1024:
            return await self._refused_file(view, tour_id, view.gettext(
                "Without JavaScript, send a file of at most {mb} MB.",
                mb=MAX_DIRECT_MB), 413)
        async with request.form(max_files=1, max_fields=4) as form:
            token, upload = form.get(CSRF_FIELD), form.get("file")
            if not self.console.signer.csrf_ok(request, token if isinstance(token, str)
                                               else None):
                return self.console.refused(view)
            if upload is None or isinstance(upload, str):
                return await self._refused_file(view, tour_id,
                                                view.gettext("Choose a file first."), 400)
            data = await upload.read(MAX_DIRECT_BYTES + 1)
            content_type = upload.content_type or ""
        if len(data) > MAX_DIRECT_BYTES:
            return await self._refused_file(view, tour_id, view.gettext(
                "Without JavaScript, send a file of at most {mb} MB.",
                mb=MAX_DIRECT_MB), 413)
        assert view.actor is not None
        try:
            async with self.console.sessions() as session:
                issued = await media_service.request_panorama_upload(
                    session=session, store=self.console.store, actor=view.actor,
                    content_type=content_type)
                await session.commit()
            await asyncio.to_thread(_put, self.console.store, issued.key, data, content_type)
            await self._record(request, view, issued.key)
        except DomainError as exc:
            return await self._refused_file(view, tour_id, exc.message, 400)
        return see_other(view, f"/console/tours/{tour_id}?saved=upload#panoramas")

    async def _refused_file(self, view: View, tour_id: int, message: str, status: int
                            ) -> Response:
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                tour = await tour_edits.get_tour(session=session, actor=view.actor,
                                                 tour_id=tour_id)
            except DomainError:
                return not_found(view)
            return await self.tours.tour_page(view, tour, session, status=status,
                                         error=message)

    async def panorama_status(self, request: Request) -> Response:
        """A panorama's ingest status, for the page's script to follow."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        async with self.console.sessions() as session:
            (found,) = await media_service.get_panoramas(session=session,
                                                         ids=[int(request.path_params["id"])])
        if found is None:
            return self._json(view, {"code": TourErrorCode.PANORAMA_NOT_FOUND.value}, 404)
        return self._json(view, {"id": found.id, "status": found.status,
                                 "failure": found.failure,
                                 "words": view.gettext(STATUS_WORDS.get(found.status, ""))})


def _put(store: MediaStore, key: str, data: bytes, content_type: str) -> None:
    store.put(key, data, content_type)
