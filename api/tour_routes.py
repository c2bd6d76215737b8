"""HTTP routes of virtual tours: the viewer page (each load of it counted as a view of the tour),
offline packs, and redirects to signed tile URLs when the store has no public base URL."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.errors import ApiErrorCode
from api.pages import interface_language, render
from api.types.common import InvalidId, int_key, to_global_id
from api.usage_counter import UsageCounter, request_channel
from core.capacity import WorkSlots
from core.errors import DomainError
from core.language import LanguageError, pick_text, request_chain
from core.time import local_day
from geo import service as geo_service
from geo.models import Destination
from media.errors import MediaErrorCode
from media.store import MediaStore, check_key
from media.tiling import panorama_prefix
from qr import service as qr_service
from qr.models import UsageKind
from qr.usage import TOUR_TARGET, UsageKey
from tours import service as tour_service
from tours import viewers
from tours.errors import TourErrorCode
from tours.offline import OfflinePack, offline_pack, pack_key, pack_languages, stored_pack
from tours.offline_guide import CodeTarget

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: https: http:; connect-src 'self' https: http:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
_SHA = re.compile(r"^[0-9a-f]{64}$")
#: Offline packs built at once by one process (each reads every tile of its tours); a request
#: that finds none free within the wait is answered 503 SERVICE_BUSY with Retry-After.
PACK_BUILDS = WorkSlots(limit=2, wait_s=10.0, refusal=lambda: DomainError(
    ApiErrorCode.SERVICE_BUSY, "offline packs are being built: try again in a moment"))


async def tour_view(*, session: AsyncSession, store: MediaStore, public_base_url: str,
                    tour_id: int, chain: tuple[str, ...],
                    viewer: viewers.Viewer = viewers.Viewer.PANNELLUM) -> dict[str, Any] | None:
    """The page data of a tour: its configuration for `viewer` and scene list, or None."""
    shown = await tour_service.get_published_tour_scenes(session=session, tour_id=tour_id)
    if shown is None:
        return None
    config = viewers.viewer_config(
        viewer, shown, chain=chain,
        base_of=lambda p: viewers.panorama_base_url(store, public_base_url, p))
    return {
        "destinationId": shown.tour.destination_id,
        "title": pick_text(shown.tour.title, chain),
        "viewer": viewer.value, viewer.value: config,
        "scenes": [{"key": viewers.scene_key(s), "title": pick_text(s.title, chain)}
                   for s in shown.scenes],
        "sceneKeys": {to_global_id("Scene", s.id): viewers.scene_key(s) for s in shown.scenes},
    }


async def site_pack(*, session: AsyncSession, store: MediaStore, destination: Destination,
                    languages: Sequence[str], public_base_url: str) -> OfflinePack:
    """The offline pack of a destination in the chosen languages, with the codes printed on
    its site (what the pack routes and `Destination.offlinePack` describe)."""
    codes = await qr_service.codes_of_site(session=session, destination_id=destination.id)
    return await offline_pack(
        session=session, store=store, destination=destination, languages=languages,
        codes=[CodeTarget(code=q.code, kind=q.target_kind, target_id=q.target_id)
               for q in codes if q.target_id is not None],
        base_url=public_base_url.rstrip("/"))


def _tour_id(raw: str) -> int | None:
    if raw.isdigit() and len(raw) < 12:
        return int(raw)
    try:
        return int_key(raw, "Tour")
    except InvalidId:
        return None


def _viewer(request: Request) -> viewers.Viewer:
    asked = request.query_params.get("viewer", "")
    return viewers.Viewer(asked) if asked in set(viewers.Viewer) else viewers.Viewer.PANNELLUM


def _chain(request: Request) -> tuple[str, ...]:
    return request_chain(lang=request.query_params.get("lang"), headers=request.headers)


def tour_routes(*, sessions: async_sessionmaker[AsyncSession], store: MediaStore,
                public_base_url: str, assets_origin: Callable[[], str] | None = None,
                counter: UsageCounter | None = None) -> list[Route]:
    """The viewer page, offline packs and the tile redirects (`assets_origin`: where the
    viewers' scripts are served from when not by the app, admitted by the page's CSP; asked
    on the first page, not at start: on S3 without a CDN it needs the S3 client); each page
    load is counted as a view of the tour by `counter` (in the database before the answer)."""

    @functools.cache
    def csp() -> str:
        origin = assets_origin() if assets_origin else ""
        return CSP if not origin else (
            CSP.replace("script-src 'self'", f"script-src 'self' {origin}")
            .replace("style-src 'self'", f"style-src 'self' {origin}"))

    async def page(request: Request) -> Response:
        tour_id = _tour_id(request.path_params["id"])
        chain = _chain(request)
        async with sessions() as session:
            view = None if tour_id is None else await tour_view(
                session=session, store=store, public_base_url=public_base_url,
                tour_id=tour_id, chain=chain, viewer=_viewer(request))
        if view is None:
            return HTMLResponse(render("tours/not_found.html", lang=interface_language(chain)),
                                status_code=404)
        lang = interface_language(chain)
        if counter is not None and tour_id is not None and request.method == "GET":
            await counter.count(UsageKey(
                day=local_day(), kind=UsageKind.VIEW, destination_id=view["destinationId"],
                target_kind=TOUR_TARGET, target_id=tour_id, lang=lang,
                channel=request_channel(request)))
        body = render("tours/viewer.html", lang=lang, view=view)
        return HTMLResponse(body, headers={"Content-Security-Policy": csp(),
                                           "Cache-Control": "no-cache"})

    async def tile(request: Request) -> Response:
        sha, rest = request.path_params["sha"], request.path_params["rest"]
        try:
            key = check_key(f"{panorama_prefix(sha)}/{rest}")
        except Exception:
            key = ""
        if not _SHA.match(sha) or not key:
            return JSONResponse({"code": MediaErrorCode.MEDIA_NOT_FOUND}, status_code=404)
        return RedirectResponse(store.url(key), status_code=307,
                                headers={"Cache-Control": "public, max-age=600"})

    async def offline(request: Request) -> Response:
        try:
            languages = pack_languages(request.query_params.get("lang"),
                                       request.headers.get("accept-language"))
        except LanguageError as refused:
            return JSONResponse({"code": refused.code, "message": refused.message},
                                status_code=400)
        async with sessions() as session:
            place = await geo_service.get_destination_by_slug(
                session=session, slug=request.path_params["slug"])
            if place is None:
                return JSONResponse({"code": TourErrorCode.DESTINATION_NOT_FOUND}, status_code=404)
            pack = await site_pack(session=session, store=store, destination=place,
                                   languages=languages, public_base_url=public_base_url)
        kind = request.path_params.get("kind")
        if kind == "json":
            return JSONResponse(pack.manifest(), headers={"Cache-Control": "no-cache"})
        if kind == "zip":  # built once per content version, then served by the store
            key = pack_key(pack)
            if await asyncio.to_thread(store.head, key) is None:
                try:
                    async with PACK_BUILDS.slot():  # a build reads every tile: a few at once
                        await asyncio.to_thread(stored_pack, pack, store)
                except DomainError as busy:
                    return JSONResponse({"code": busy.code, "message": busy.message},
                                        status_code=503, headers={"Retry-After": "10"})
            url = await asyncio.to_thread(store.url, key)
            return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-cache"})
        document = pack.documents.get(request.path_params.get("name", ""))
        if document is None:
            return JSONResponse({"code": MediaErrorCode.MEDIA_NOT_FOUND}, status_code=404)
        return Response(document, media_type="application/json")

    return [Route("/tours/{id}", page, methods=["GET"]),
            Route("/destinations/{slug}/offline.{kind:str}", offline, methods=["GET"]),
            Route("/destinations/{slug}/offline/{name:path}", offline, methods=["GET"]),
            Route("/panorama-tiles/{sha}/{rest:path}", tile, methods=["GET"])]
