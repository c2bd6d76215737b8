"""HTTP routes of the local media store: GET with Range and cache headers, presigned uploads."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from media.errors import MediaError, MediaErrorCode
from media.store import IMMUTABLE, LocalStore, MediaStore, guess_type

#: Keys with a content digest segment never change: cache them for a year.
_CONTENT_ADDRESSED = re.compile(r"(^|/)[0-9a-f]{16,64}(/|$)")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def media_routes(store: MediaStore) -> list[Route]:
    """The routes that serve a local store (none for S3, which serves itself)."""
    if not isinstance(store, LocalStore):
        return []

    async def get_media(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            path = store.path(key)
        except MediaError:
            return JSONResponse({"code": MediaErrorCode.MEDIA_NOT_FOUND}, status_code=404)
        if not path.is_file():
            return JSONResponse({"code": MediaErrorCode.MEDIA_NOT_FOUND}, status_code=404)
        cache = IMMUTABLE if _CONTENT_ADDRESSED.search(key) else "public, max-age=300"
        return FileResponse(path, media_type=guess_type(key) or "application/octet-stream",
                            headers={"Cache-Control": cache,
                                     "Access-Control-Allow-Origin": "*"})

    async def upload(request: Request) -> Response:
        declared = int(request.headers.get("content-length") or 0)
        if declared > MAX_UPLOAD_BYTES + 64 * 1024:
            return JSONResponse({"code": MediaErrorCode.UPLOAD_TOO_LARGE}, status_code=413)
        async with request.form(max_files=1, max_fields=10,
                                max_part_size=MAX_UPLOAD_BYTES) as form:
            upload_file = form.get("file")
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            if upload_file is None or isinstance(upload_file, str):
                return JSONResponse({"code": MediaErrorCode.UPLOAD_MISSING_FILE}, status_code=400)
            data = await upload_file.read(MAX_UPLOAD_BYTES + 1)
        try:
            key, content_type = store.check_upload(fields, len(data))
        except MediaError as exc:
            return JSONResponse({"code": exc.code, "message": exc.message}, status_code=403)
        store.put(key, data, content_type)
        return Response(status_code=204)

    return [Route("/media/{key:path}", get_media, methods=["GET", "HEAD"]),
            Route("/media-upload", upload, methods=["POST"])]
