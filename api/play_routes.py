"""`GET /play/{narration}/{format}`: a play of a narration, counted, then the player sent to the
stored file (the local store, S3 presigned or the CDN) with a 307.

The audio itself never passes through the app, so a play is counted where the player asks for
it first: a GET without Range, or with a range that starts at byte 0 and asks for more than
Safari's two-byte probe (`bytes=0-1`). A range further in (a seek, a resumed download), a HEAD,
and the plays of a draft site's narration (staff previewing) count nothing. The redirect is
not cached, so every play comes back here; the usual per-client rate limit applies (README,
Limits of the public API), and the count is one statement shared with the scans and views of
the moment (api/usage_counter.py). What a link names is kept for a few seconds (unknown ids
too), so a busy narration costs no query per play.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.usage_counter import UsageCounter, request_channel
from core.time import local_day
from media.store import MediaStore
from qr.models import TargetKind, UsageKind
from qr.usage import UsageKey
from tours.errors import TourErrorCode
from tours.plays import Playable, get_playable

#: A Range header whose first range starts at byte 0, and its end when it has one.
_FROM_START = re.compile(r"^\s*bytes\s*=\s*0\s*-\s*(\d*)\s*(?:,|$)")
MAX_CACHED = 5000


def starts_a_play(request: Request) -> bool:
    """Whether a request is the first a player makes for a recording: a GET of the whole file
    or of a range from byte 0 longer than a probe."""
    if request.method != "GET":
        return False
    asked = request.headers.get("range")
    if asked is None:
        return True
    start = _FROM_START.match(asked)
    return start is not None and (start.group(1) == "" or int(start.group(1)) >= 2)


class PlayRoutes:
    """The play route with its short cache of what links name."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], store: MediaStore,
                 counter: UsageCounter, cache_seconds: float = 5.0):
        self.sessions = sessions
        self.store = store
        self.counter = counter
        self.cache_seconds = cache_seconds
        self.cache: OrderedDict[int, tuple[float, Playable | None]] = OrderedDict()

    @property
    def routes(self) -> list[Route]:
        """The play route."""
        return [Route("/play/{narration}/{format}", self.play, methods=["GET", "HEAD"])]

    async def _playable(self, narration_id: int) -> Playable | None:
        now = time.monotonic()
        cached = self.cache.get(narration_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.sessions() as session:
            found = await get_playable(session=session, narration_id=narration_id)
        if self.cache_seconds > 0:
            self.cache[narration_id] = (now + self.cache_seconds, found)
            self.cache.move_to_end(narration_id)
            while len(self.cache) > MAX_CACHED:
                self.cache.popitem(last=False)
        return found

    async def play(self, request: Request) -> Response:
        """Counts the play (when it starts one) and redirects to the stored recording."""
        raw = request.path_params["narration"]
        playable = await self._playable(int(raw)) if raw.isdigit() and len(raw) < 12 else None
        key = playable.keys.get(request.path_params["format"]) if playable else None
        if playable is None or key is None:
            return JSONResponse({"code": TourErrorCode.NARRATION_NOT_FOUND,
                                 "message": "no such narration or format"}, status_code=404,
                                headers={"Cache-Control": "no-store"})
        if playable.published and starts_a_play(request):  # counted before the answer leaves
            await self.counter.count(UsageKey(
                day=local_day(), kind=UsageKind.PLAY, destination_id=playable.destination_id,
                target_kind=(TargetKind.STOP if playable.stop_id is not None
                             else TargetKind.DESTINATION).value,
                target_id=playable.stop_id if playable.stop_id is not None
                else playable.destination_id,
                lang=playable.lang, channel=request_channel(request)))
        return RedirectResponse(self.store.url(key), status_code=307,
                                headers={"Cache-Control": "no-store",
                                         "Referrer-Policy": "no-referrer"})

    def clear_cache(self) -> None:
        """Forgets what links named (after a staff change)."""
        self.cache.clear()
