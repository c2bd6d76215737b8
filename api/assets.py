"""`GET /assets/{name}`: the pages' own scripts and styles (api/static/) and the viewers'
build files from node_modules (installed by npm, never a CDN); in development also GraphiQL's
page and its GraphiQL and React builds. In production node_modules is
not packaged: the viewers' files are copied into the media store at deploy time
(`python -m deploy.assets`) and `/assets/...` redirects there."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.errors import ApiErrorCode
from media.store import MediaStore, check_key

STATIC = Path(__file__).resolve().parent / "static"
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
#: URL path → file under node_modules (the build files of the viewers).
NPM_ASSETS = {
    "pannellum/pannellum.js": "pannellum/build/pannellum.js",
    "pannellum/pannellum.css": "pannellum/build/pannellum.css",
    "marzipano/marzipano.js": "marzipano/dist/marzipano.js",
}
#: GraphiQL and React from node_modules: development only (GraphiQL is off in production,
#: where node_modules is not packaged and nothing copies them into the store).
IDE_NPM_ASSETS = {
    "graphiql/graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css": "graphiql/graphiql.min.css",
    "react/react.production.min.js": "react/umd/react.production.min.js",
    "react-dom/react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
}
#: The app's own files (they change with the app: a short cache).
OWN_ASSETS = frozenset({"tour-viewer.js", "tour-viewer.css", "qr-page.css", "console.css",
                        "console-upload.js", "console-tours.css", "console-panorama.js",
                        "console-scene.js"})
#: The GraphiQL page's own files (development only).
IDE_OWN_ASSETS = frozenset({"graphiql-page.js", "graphiql-page.css"})
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript"}
#: Where the viewers' files live in the media store when the app does not serve node_modules.
ASSET_PREFIX = "assets"


def asset_key(name: str) -> str:
    """The media-store key of a viewer asset (its URL path under /assets/)."""
    return check_key(f"{ASSET_PREFIX}/{name}")


def sync_viewer_assets(store: MediaStore, node_modules: Path = NODE_MODULES) -> list[str]:
    """Copies the viewers' build files from node_modules into the store; gives their keys."""
    keys = []
    for name, relative in sorted(NPM_ASSETS.items()):
        path = node_modules / relative
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `npm ci` first")
        store.put(asset_key(name), path.read_bytes(), MEDIA_TYPES[path.suffix])
        keys.append(asset_key(name))
    return keys


def store_origin(store: MediaStore) -> str:
    """The origin (scheme://host) that the store's asset URLs are served from."""
    parsed = urlparse(store.url(asset_key("pannellum/pannellum.js")))
    return f"{parsed.scheme}://{parsed.netloc}" if parsed.scheme and parsed.netloc else ""


def asset_routes(*, node_modules: Path = NODE_MODULES, static: Path = STATIC,
                 store: MediaStore | None = None) -> list[Route]:
    """The route of the pages' scripts and styles (the viewers' redirected to `store` when
    one is given: production, where GraphiQL's are not served)."""

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name in OWN_ASSETS or (store is None and name in IDE_OWN_ASSETS):
            path, max_age = static / name, 300
        elif store is None and name in IDE_NPM_ASSETS:
            path, max_age = node_modules / IDE_NPM_ASSETS[name], 86400
        elif name in NPM_ASSETS and store is not None:
            return RedirectResponse(store.url(asset_key(name)), status_code=307,
                                    headers={"Cache-Control": "public, max-age=600"})
        elif name in NPM_ASSETS:
            path, max_age = node_modules / NPM_ASSETS[name], 86400
        else:
            return JSONResponse({"code": ApiErrorCode.ASSET_NOT_FOUND}, status_code=404)
        if not path.is_file():
            return JSONResponse({"code": ApiErrorCode.ASSET_NOT_FOUND}, status_code=404)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix],
                            headers={"Cache-Control": f"public, max-age={max_age}"})

    return [Route("/assets/{name:path}", asset, methods=["GET"])]
