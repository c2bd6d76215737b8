"""Bounded room for expensive work (password hashing, image rendering, costly queries): at
most `limit` at once in this process; a caller finding every slot taken waits a short,
bounded time for one, then is refused with its area's coded error. A slot may also rest after
each use, for `rest_ratio` times as long as the use took: the work then has at most
1 / (1 + rest_ratio) of the time of each slot, whatever the rate of the callers."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from core.errors import DomainError


class WorkSlots:
    """`limit` slots of one kind of work, shared by every request of the process's event
    loop (each loop has its own: a semaphore belongs to one loop)."""

    def __init__(self, *, limit: int, wait_s: float, refusal: Callable[[], DomainError],
                 rest_ratio: float = 0.0):
        if limit < 1 or wait_s < 0 or rest_ratio < 0:
            raise ValueError("a positive limit, a non-negative wait and rest are needed")
        self.limit = limit
        self.wait_s = wait_s
        self.refusal = refusal
        self.rest_ratio = rest_ratio
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.BoundedSemaphore] = weakref.WeakKeyDictionary()

    def _semaphore(self) -> asyncio.BoundedSemaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.BoundedSemaphore(self.limit)
        return semaphore

    async def acquire(self) -> float:
        """Takes a slot, giving when (give it back with `release`); the refusal after
        `wait_s` without one."""
        try:
            async with asyncio.timeout(self.wait_s):
                await self._semaphore().acquire()
        except TimeoutError:
            raise self.refusal() from None
        return time.monotonic()

    def release(self, taken_at: float) -> None:
        """Gives back a slot taken at `taken_at`, after its rest."""
        semaphore = self._semaphore()
        rest = (time.monotonic() - taken_at) * self.rest_ratio
        if rest > 0:
            asyncio.get_running_loop().call_later(rest, semaphore.release)
        else:
            semaphore.release()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Holds a slot for the block; raises the refusal after `wait_s` without one."""
        taken_at = await self.acquire()
        try:
            yield
        finally:
            self.release(taken_at)
