"""Usage counts (scans, plays, views) written before the answer leaves: a container frozen or
killed right after answering has lost nothing; and the channel a request is counted under.

The uses that arrive while a write is under way wait for the next one and share its
statement (a group commit): one process under load writes once per round trip, not once per
use, and every use is in the database when its answer is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from starlette.requests import Request

from api.db import StatementSessions
from core.language import APP_LANGUAGE_HEADER
from qr.models import Channel
from qr.usage import UsageKey, record_usage

log = logging.getLogger("tourism.usage")
MAX_PENDING_KEYS = 100_000


def request_channel(request: Request, *, app: bool = False) -> Channel:
    """The channel a request comes through: `channel=kiosk` or `channel=app` as asked, the app
    when it sends its language header (or `app`: the route answered it as the app), else the
    web."""
    asked = request.query_params.get("channel")
    if asked in (Channel.KIOSK, Channel.APP):
        return Channel(asked)
    return Channel.APP if app or APP_LANGUAGE_HEADER in request.headers else Channel.WEB


class UsageCounter:
    """Adds uses to the daily counts, in batches of whatever arrived during the last write."""

    def __init__(self, sessions: StatementSessions):
        self.sessions = sessions
        self.pending: Counter[UsageKey] = Counter()
        #: Counts whose write failed once: tried again with the next batch, then dropped.
        self.unwritten: Counter[UsageKey] = Counter()
        self._written: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def count(self, key: UsageKey) -> None:
        """Counts one use; returns once it is written (or its write failed, with a log line:
        the visitor gets the answer either way)."""
        if key not in self.pending and len(self.pending) >= MAX_PENDING_KEYS:
            log.warning("usage counter full: a %s was not counted", key.kind)
            return
        self.pending[key] += 1
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await asyncio.shield(written)  # a client that goes away does not stop the write

    async def _write_pending(self) -> None:
        while self.pending:
            batch, written = self.pending, self._written
            self.pending, self._written = Counter(), None
            try:
                await self._write(batch)
            finally:
                if written is not None and not written.done():
                    written.set_result(None)

    async def _write(self, batch: Counter[UsageKey]) -> None:
        retried, self.unwritten = self.unwritten, Counter()
        try:
            async with self.sessions() as session:
                await record_usage(session=session, uses=batch + retried)
                await session.commit()
        except Exception:
            log.exception("writing %d usage counts failed", sum(batch.values()))
            self.unwritten = batch  # one more try with the next batch
            if retried:
                log.error("%d usage counts dropped after two failed writes",
                          sum(retried.values()))

    async def close(self) -> None:
        """Waits for the write under way and tries the failed counts once more (at shutdown)."""
        if self._writer is not None:
            await self._writer
        if self.unwritten:
            await self._write(Counter())
