"""Bells: wake-ups between the parts of the event machinery, never the source of truth.

Two are rung, each an instance of its own type so the container tells them apart:

- ``CommitBell``: rung by the unit of work after a commit that stored events; the
  relay's publisher waits on it;
- ``FeedBell``: rung by the relay after a pass that published events; handler
  delivery loops and the feed's long polls wait on it.

A waiter asks "rung since I last looked?": it notes ``rung`` before it reads
the database and waits with that number, so a ring that comes between its read
and its wait is never missed, however many others wait too. Whoever wakes
reads again; waiters also wake on their own timeout, for what other processes
wrote.
"""

from __future__ import annotations

import asyncio
import threading


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Bell:
    def __init__(self) -> None:
        self.rung = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        # A waiter may sit on another loop, in another thread (a test client runs the
        # app on its own): counting a ring and enrolling a waiter must not interleave.
        self._lock = threading.Lock()

    def ring(self) -> None:
        with self._lock:
            self.rung += 1
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            if not loop.is_closed():  # its waiter is gone with it
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self, since: int, seconds: float) -> bool:
        """Until rung after ``since`` (a value of ``rung``), or for ``seconds``; true if rung."""
        loop = asyncio.get_running_loop()
        waiter = (loop, loop.create_future())
        with self._lock:
            if self.rung != since:
                return True
            self._waiters.add(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter[1]
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return True


class CommitBell(Bell):
    """Rung after a commit that stored events (``UnitOfWork.atomically``)."""


class FeedBell(Bell):
    """Rung after a relay pass that published events."""
