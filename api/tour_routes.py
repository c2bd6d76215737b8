"""HTTP routes of virtual tours: the viewer page, its assets (from node_modules, never a CDN),
and redirects to signed tile URLs when the store has no public base URL."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.language import language_chain
from api.types.common import InvalidId, int_key, to_global_id
from geo.models import Destination
from media import service as media_service
from media.models import Panorama
from media.store import MediaStore, check_key
from media.tiling import panorama_prefix
from tours import service as tour_service
from tours import viewers
from tours.offline import offline_pack, pack_zip

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
#: URL path → file under node_modules (the build files of the viewers, installed by npm).
ASSETS = {
    "pannellum/pannellum.js": "pannellum/build/pannellum.js",
    "pannellum/pannellum.css": "pannellum/build/pannellum.css",
    "marzipano/marzipano.js": "marzipano/dist/marzipano.js",
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: https: http:; connect-src 'self' https: http:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
_SHA = re.compile(r"^[0-9a-f]{64}$")
#: Where the viewer assets live in the media store when the app does not serve node_modules
#: itself (production: `python -m deploy.assets` copies them there at deploy time).
ASSET_PREFIX = "assets"

VIEWER_JS = """(function () {
  'use strict';
  var body = document.body;
  function fail(message) {
    body.setAttribute('data-error', String(message));
  }
  window.addEventListener('error', function (event) { fail(event.message); });
  var data = JSON.parse(document.getElementById('tour-data').textContent);
  var config = data.pannellum;
  var params = new URLSearchParams(window.location.search);
  var wanted = data.sceneKeys[params.get('scene') || ''];
  if (wanted) {
    config['default'].firstScene = wanted;
    ['yaw', 'pitch', 'hfov'].forEach(function (name) {
      var value = parseFloat(params.get(name));
      if (!isNaN(value)) { config.scenes[wanted][name] = value; }
    });
  }
  var viewer = pannellum.viewer('panorama', config);
  function loaded() {
    if (viewer.isLoaded()) { body.setAttribute('data-loaded', viewer.getScene()); }
  }
  viewer.on('load', loaded);
  window.setInterval(loaded, 250);
  viewer.on('error', function (message) { fail(message); });
  viewer.on('scenechange', function (scene) {
    document.querySelectorAll('[data-scene]').forEach(function (button) {
      button.setAttribute('aria-current', button.dataset.scene === scene ? 'true' : 'false');
    });
  });
  document.querySelectorAll('[data-scene]').forEach(function (button) {
    button.addEventListener('click', function () { viewer.loadScene(button.dataset.scene); });
  });
})();
"""

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/assets/pannellum/pannellum.css">
<style>
html, body {{ margin: 0; height: 100%; font-family: sans-serif; background: #111; color: #eee; }}
#panorama {{ position: absolute; top: 0; bottom: 3.2em; left: 0; right: 0;
             height: auto; width: auto; }}
nav {{ position: absolute; bottom: 0; left: 0; right: 0; height: 3.2em; overflow-x: auto;
      background: #111; z-index: 2;
      white-space: nowrap; display: flex; gap: .4em; align-items: center; padding: 0 .5em; }}
nav button {{ font: inherit; padding: .4em .8em; border-radius: .3em; border: 0; }}
nav button[aria-current=true] {{ background: #f5c542; }}
</style></head>
<body>
<div id="panorama"></div>
<nav aria-label="{scenes_label}">{buttons}</nav>
<script type="application/json" id="tour-data">{data}</script>
<script src="/assets/pannellum/pannellum.js"></script>
<script src="/assets/tour-viewer.js"></script>
</body></html>
"""


def panorama_base_url(store: MediaStore, public_base_url: str, panorama: Panorama) -> str:
    """Where a panorama's objects are read from: the store's public URL or our redirects."""
    found = store.public_prefix_url(panorama_prefix(panorama.sha256))
    return found or f"{public_base_url.rstrip('/')}/panorama-tiles/{panorama.sha256}"


async def tour_view(*, session: AsyncSession, store: MediaStore, public_base_url: str,
                    tour_id: int, chain: tuple[str, ...]) -> dict[str, Any] | None:
    """The page data of a tour: its Pannellum configuration and scene list, or None."""
    (tour,) = await tour_service.get_tours(session=session, ids=[tour_id])
    if tour is None:
        return None
    scenes = (await tour_service.scenes_of_tours(session=session, tour_ids=[tour.id]))[tour.id]
    spots = await tour_service.hotspots_of_scenes(session=session,
                                                  scene_ids=[s.id for s in scenes])
    panoramas = await media_service.get_panoramas(session=session,
                                                  ids=[s.panorama_id for s in scenes])
    config = viewers.pannellum_config(
        tour=tour, scenes=scenes, hotspots=spots,
        panoramas={p.id: p for p in panoramas if p is not None},
        base_of=lambda p: panorama_base_url(store, public_base_url, p), chain=chain)
    return {
        "title": viewers.pick_text(tour.title, chain),
        "pannellum": config,
        "scenes": [{"key": viewers.scene_key(s), "title": viewers.pick_text(s.title, chain)}
                   for s in scenes],
        "sceneKeys": {to_global_id("Scene", s.id): viewers.scene_key(s) for s in scenes},
    }


def asset_key(name: str) -> str:
    """The media-store key of a viewer asset (its URL path under /assets/)."""
    return check_key(f"{ASSET_PREFIX}/{name}")


def sync_viewer_assets(store: MediaStore, node_modules: Path = NODE_MODULES) -> list[str]:
    """Copies the viewers' build files from node_modules into the store; gives their keys."""
    keys = []
    for name, relative in sorted(ASSETS.items()):
        path = node_modules / relative
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `npm ci` first")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        store.put(asset_key(name), path.read_bytes(), media)
        keys.append(asset_key(name))
    return keys


def _origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}" if parsed.scheme and parsed.netloc else ""


def _tour_id(raw: str) -> int | None:
    if raw.isdigit() and len(raw) < 12:
        return int(raw)
    try:
        return int_key(raw, "Tour")
    except InvalidId:
        return None


def tour_routes(*, sessions: async_sessionmaker[AsyncSession], store: MediaStore,
                public_base_url: str, node_modules: Path = NODE_MODULES,
                assets_from_store: bool = False) -> list[Route]:
    """The viewer page, its assets (from node_modules, or redirects to the media store) and
    the tile redirects."""
    csp: list[str] = []

    def page_csp() -> str:
        if not assets_from_store:
            return CSP
        if not csp:  # the store's origin, once: scripts and styles are redirected there
            origin = _origin(store.url(asset_key("pannellum/pannellum.js")))
            csp.append(CSP.replace("script-src 'self'", f"script-src 'self' {origin}")
                       .replace("style-src 'self'", f"style-src 'self' {origin}"))
        return csp[0]

    async def page(request: Request) -> Response:
        tour_id = _tour_id(request.path_params["id"])
        chain = language_chain(request.query_params.get("lang"),
                               request.headers.get("accept-language"))
        async with sessions() as session:
            data = None if tour_id is None else await tour_view(
                session=session, store=store, public_base_url=public_base_url,
                tour_id=tour_id, chain=chain)
        if data is None:
            return HTMLResponse("<!doctype html><title>Not found</title><p>No such tour.",
                                status_code=404)
        buttons = "".join(
            f'<button type="button" data-scene="{html.escape(s["key"])}">'
            f'{html.escape(s["title"])}</button>' for s in data["scenes"])
        payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        body = PAGE.format(lang=html.escape(chain[0]), title=html.escape(data["title"]),
                           scenes_label="Scenes", buttons=buttons, data=payload)
        return HTMLResponse(body, headers={"Content-Security-Policy": page_csp(),
                                           "Cache-Control": "no-cache"})

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "tour-viewer.js":
            return Response(VIEWER_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=300"})
        relative = ASSETS.get(name)
        if relative and assets_from_store:
            return RedirectResponse(store.url(asset_key(name)), status_code=307,
                                    headers={"Cache-Control": "public, max-age=600"})
        path = node_modules / relative if relative else None
        if path is None or not path.is_file():
            return JSONResponse({"code": "ASSET_NOT_FOUND"}, status_code=404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(path, media_type=media,
                            headers={"Cache-Control": "public, max-age=86400"})

    async def tile(request: Request) -> Response:
        sha, rest = request.path_params["sha"], request.path_params["rest"]
        try:
            key = check_key(f"{panorama_prefix(sha)}/{rest}")
        except Exception:
            key = ""
        if not _SHA.match(sha) or not key:
            return JSONResponse({"code": "MEDIA_NOT_FOUND"}, status_code=404)
        return RedirectResponse(store.url(key), status_code=307,
                                headers={"Cache-Control": "public, max-age=600"})

    async def offline(request: Request) -> Response:
        chain = language_chain(request.query_params.get("lang"),
                               request.headers.get("accept-language"))
        async with sessions() as session:
            place = (await session.execute(select(Destination).where(
                Destination.slug == request.path_params["slug"],
                Destination.status == "published"))).scalar_one_or_none()
            if place is None:
                return JSONResponse({"code": "DESTINATION_NOT_FOUND"}, status_code=404)
            data = {"slug": place.slug, "category": place.category, "lang": chain[0],
                    "name": viewers.pick_text(place.name, chain),
                    "description": viewers.pick_text(place.description, chain),
                    "address": viewers.pick_text(place.address, chain),
                    "location": {"lat": place.lat, "lng": place.lng}}
            pack = await offline_pack(session=session, store=store, destination=place,
                                      chain=chain, base_url=public_base_url.rstrip("/"),
                                      destination_data=data)
        kind = request.path_params.get("kind")
        if kind == "json":
            return JSONResponse(pack.manifest(), headers={"Cache-Control": "no-cache"})
        if kind == "zip":
            return Response(pack_zip(pack, store), media_type="application/zip", headers={
                "Content-Disposition": f'attachment; filename="{place.slug}-{chain[0]}.zip"'})
        document = pack.documents.get(request.path_params.get("name", ""))
        if document is None:
            return JSONResponse({"code": "MEDIA_NOT_FOUND"}, status_code=404)
        return Response(document, media_type="application/json")

    return [Route("/tours/{id}", page, methods=["GET"]),
            Route("/destinations/{slug}/offline.{kind:str}", offline, methods=["GET"]),
            Route("/destinations/{slug}/offline/{name:path}", offline, methods=["GET"]),
            Route("/assets/{name:path}", asset, methods=["GET"]),
            Route("/panorama-tiles/{sha}/{rest:path}", tile, methods=["GET"])]
