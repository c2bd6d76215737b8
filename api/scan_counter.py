"""Scan counts written before the answer leaves: a container frozen or killed right after
answering has lost nothing.

The scans that arrive while a write is under way wait for the next one and share its
statement (a group commit): one process under load writes once per round trip, not once per
scan, and every scan is in the database when its answer is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from api.db import StatementSessions
from qr.scans import ScanKey, record_scans

log = logging.getLogger("tourism.qr")
MAX_PENDING_KEYS = 100_000


class ScanCounter:
    """Adds scans to the daily counts, in batches of whatever arrived during the last write."""

    def __init__(self, sessions: StatementSessions):
        self.sessions = sessions
        self.pending: Counter[ScanKey] = Counter()
        #: Counts whose write failed once: tried again with the next batch, then dropped.
        self.unwritten: Counter[ScanKey] = Counter()
        self._written: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def count(self, key: ScanKey) -> None:
        """Counts one scan; returns once it is written (or its write failed, with a log line:
        the visitor gets the answer either way)."""
        if key not in self.pending and len(self.pending) >= MAX_PENDING_KEYS:
            log.warning("scan counter full: a scan was not counted")
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

    async def _write(self, batch: Counter[ScanKey]) -> None:
        retried, self.unwritten = self.unwritten, Counter()
        try:
            async with self.sessions() as session:
                await record_scans(session=session, scans=batch + retried)
                await session.commit()
        except Exception:
            log.exception("writing %d scan counts failed", sum(batch.values()))
            self.unwritten = batch  # one more try with the next batch
            if retried:
                log.error("%d scan counts dropped after two failed writes",
                          sum(retried.values()))

    async def close(self) -> None:
        """Waits for the write under way and tries the failed counts once more (at shutdown)."""
        if self._writer is not None:
            await self._writer
        if self.unwritten:
            await self._write(Counter())
