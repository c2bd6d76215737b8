"""HTTP routes of the local media store: GET with Range and cache headers (user content that
no browser runs or sniffs), presigned uploads refused before their file is read."""

from __future__ import annotations

import re

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from api.upload_form import UploadForm, boundary_of
from media.errors import MediaError, MediaErrorCode
from media.store import IMMUTABLE, LocalStore, MediaStore, guess_type

#: Keys with a content digest segment never change: cache them for a year.
_CONTENT_ADDRESSED = re.compile(r"(^|/)[0-9a-f]{16,64}(/|$)")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Every /media answer: no sniffing a type other than the one sent, and an uploaded HTML or
#: SVG opened as a page runs nothing (no script, no plugin, no request, a unique origin).
USER_CONTENT = {"X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox"}


def media_routes(store: MediaStore) -> list[Route]:
    """The routes that serve a local store (none for S3, which serves itself)."""
    if not isinstance(store, LocalStore):
        return []

    def not_found() -> Response:
        return JSONResponse({"code": MediaErrorCode.MEDIA_NOT_FOUND}, status_code=404,
                            headers=USER_CONTENT)

    async def get_media(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            path = store.path(key)
        except MediaError:
            return not_found()
        if not path.is_file():
            return not_found()
        cache = IMMUTABLE if _CONTENT_ADDRESSED.search(key) else "public, max-age=300"
        return FileResponse(path, media_type=guess_type(key) or "application/octet-stream",
                            headers={"Cache-Control": cache,
                                     "Access-Control-Allow-Origin": "*", **USER_CONTENT})

    async def upload(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and not declared.isdigit():
            return _refusal(MediaErrorCode.UPLOAD_POLICY_VIOLATED, "Content-Length is not a "
                            "number", 400)
        length = int(declared) if declared is not None else None
        if length is not None and length > MAX_UPLOAD_BYTES + 64 * 1024:
            return _refusal(MediaErrorCode.UPLOAD_TOO_LARGE,
                            f"uploads are at most {MAX_UPLOAD_BYTES} bytes", 413)
        boundary = boundary_of(request.headers.get("content-type", ""))
        if boundary is None:
            return _refusal(MediaErrorCode.UPLOAD_MISSING_FILE,
                            "send the fields and the file as multipart/form-data", 400)
        form = UploadForm(boundary, store.upload_policy, length)
        try:
            data = await form.read(request.stream())
            assert form.policy is not None
            store.put(form.policy.key, data, form.policy.content_type)
        except MediaError as exc:
            status = 400 if exc.code == MediaErrorCode.UPLOAD_MISSING_FILE else 403
            return _refusal(exc.code, exc.message, status)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        return Response(status_code=204)

    return [Route("/media/{key:path}", get_media, methods=["GET", "HEAD"]),
            Route("/media-upload", upload, methods=["POST"])]


def _refusal(code: str, message: str, status: int) -> Response:
    # Sent before the body is read: the connection is closed after it.
    return JSONResponse({"code": code, "message": message}, status_code=status,
                        headers={"Connection": "close"})
