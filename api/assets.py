"""`GET /assets/{name}`: the pages' own scripts and styles (api/static/) and the viewers'
build files from node_modules (installed by npm, never a CDN)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).resolve().parent / "static"
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
#: URL path → file under node_modules (the build files of the viewers).
NPM_ASSETS = {
    "pannellum/pannellum.js": "pannellum/build/pannellum.js",
    "pannellum/pannellum.css": "pannellum/build/pannellum.css",
    "marzipano/marzipano.js": "marzipano/dist/marzipano.js",
}
#: The app's own files (they change with the app: a short cache).
OWN_ASSETS = frozenset({"tour-viewer.js", "tour-viewer.css", "qr-page.css"})
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript"}


def asset_routes(*, node_modules: Path = NODE_MODULES, static: Path = STATIC) -> list[Route]:
    """The route of the pages' scripts and styles."""

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name in OWN_ASSETS:
            path, max_age = static / name, 300
        elif name in NPM_ASSETS:
            path, max_age = node_modules / NPM_ASSETS[name], 86400
        else:
            return JSONResponse({"code": "ASSET_NOT_FOUND"}, status_code=404)
        if not path.is_file():
            return JSONResponse({"code": "ASSET_NOT_FOUND"}, status_code=404)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix],
                            headers={"Cache-Control": f"public, max-age={max_age}"})

    return [Route("/assets/{name:path}", asset, methods=["GET"])]
