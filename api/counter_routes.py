"""`POST /counters/{site}`: a people counter posts how many people are inside, with its API key
(`X-Api-Key`, scope "counter", made for that one site: it can do nothing else).

The body is JSON: `{"count": 42, "at": "2026-05-01T09:30:00+07:00"}`, or up to 100 readings
at once as `{"counts": [{"count": …, "at": …}, …]}` (a counter that was offline). The answer
is 200 `{"recorded": n}`, or a JSON error with a stable code; a refused post writes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accounts.errors import AuthError, AuthErrorCode
from accounts.service import caller_for_api_key
from api.errors import ApiErrorCode
from core.errors import DomainError
from core.time import utcnow
from geo.occupancy import service as occupancy
from geo.occupancy.errors import OccupancyErrorCode
from geo.service import get_destination_by_slug

MAX_BODY_BYTES = 16 * 1024
MAX_READINGS = 100


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def _readings(body: Any) -> list[tuple[int, datetime]]:
    """(count, at) of each reading of a body; ValueError when malformed."""
    items = body.get("counts", [body]) if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_READINGS:
        raise ValueError(f"send one reading or a list of 1 to {MAX_READINGS} as counts")
    found = []
    for item in items:
        count, at = item.get("count") if isinstance(item, dict) else None, \
            item.get("at") if isinstance(item, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or not isinstance(at, str):
            raise ValueError("each reading is {\"count\": integer, \"at\": ISO 8601 time}")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("give the time's offset (Z or +07:00)")
        found.append((count, moment))
    return found


def counter_routes(*, sessions: async_sessionmaker[AsyncSession]) -> list[Route]:
    """The counters' route."""

    async def post(request: Request) -> Response:
        key = request.headers.get("x-api-key")
        if not key:
            return _error(401, AuthErrorCode.INVALID_API_KEY, "send the counter's X-Api-Key")
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return _error(413, ApiErrorCode.PAYLOAD_TOO_LARGE, "too many readings at once")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return _error(413, ApiErrorCode.PAYLOAD_TOO_LARGE, "too many readings at once")
        async with sessions() as session:
            try:
                caller = await caller_for_api_key(session=session, key=key.strip())
            except AuthError as exc:
                return _error(401, exc.code, exc.message)
            site = await get_destination_by_slug(session=session,
                                                 slug=request.path_params["site"][:120],
                                                 include_drafts=True)
            if site is None or site.id not in caller.actor.destination_ids:
                return _error(403, AuthErrorCode.FORBIDDEN,
                              "this key does not count people at this site")
            try:
                readings = _readings(json.loads(raw))
            except (ValueError, TypeError, AttributeError) as exc:
                return _error(400, OccupancyErrorCode.INVALID_OCCUPANCY_COUNT, str(exc)[:200])
            now = utcnow()
            assert caller.api_key_id is not None
            try:
                for count, at in readings:
                    await occupancy.record_count(
                        session=session, actor=caller.actor, counter_id=caller.api_key_id,
                        destination_id=site.id, count=count, at=at, now=now)
            except DomainError as exc:
                await session.rollback()
                return _error(400, exc.code, exc.message)
            await session.commit()
        return JSONResponse({"recorded": len(readings)}, headers={"Cache-Control": "no-store"})

    return [Route("/counters/{site}", post, methods=["POST"])]
