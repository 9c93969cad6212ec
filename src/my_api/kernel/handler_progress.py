"""The handler-progress port: how far each event handler has got, and what it parked.

A handler's position is the last sequence it is done with: handled, skipped as
not its type, or parked. One relay at a time delivers to a handler: the one
holding its lease, which it renews before every page and which lapses when its
holder stops renewing it. Moving the position is a compare-and-set too, so a
relay whose lease lapsed mid-page cannot move it from a place already left. An
event a handler kept failing on is parked for that handler (one row per
handler and event) until a replay succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs
from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import Published

# Longer error texts are cut to this many characters when parked.
MAX_ERROR_LENGTH = 2000


@attrs.frozen
class Parked:
    """``handler`` gave up on ``published`` with ``error`` at ``at``."""

    handler: str
    published: Published
    error: str
    at: datetime


class HandlerProgress(Protocol):
    def lease(
        self, handler: str, owner: str, now: datetime, until: datetime
    ) -> FutureResult[bool, AppError]:
        """Take or renew ``handler``'s lease for ``owner`` until ``until``: true when
        ``owner`` holds it now (it was free, lapsed before ``now``, or already its own).
        """

    def release(self, handler: str, owner: str) -> FutureResult[None, AppError]:
        """Give up ``handler``'s lease if ``owner`` holds it (a relay stopping cleanly),
        so another relay takes the handler over at once rather than when it lapses.
        """

    def position(self, handler: str) -> FutureResult[int, AppError]:
        """The last sequence ``handler`` is done with; 0 for a handler never seen."""

    def advance(self, handler: str, expected: int, to: int) -> FutureResult[bool, AppError]:
        """Move ``handler`` from ``expected`` to ``to``; false, moving nothing, when its
        position is no longer ``expected`` (another relay moved it).
        """

    def park(
        self, handler: str, published: Published, error: str, at: datetime
    ) -> FutureResult[None, AppError]:
        """Record that ``handler`` gave up on ``published``; parking it again replaces
        the error and the time.
        """

    def parked(self) -> FutureResult[Sequence[Parked], AppError]:
        """Every parked event, in feed order, then by handler."""

    def parked_event(self, event_id: UUID) -> FutureResult[Sequence[Parked], AppError]:
        """The parkings of one event (one per handler that gave up on it)."""

    def unpark(self, handler: str, event_id: UUID) -> FutureResult[bool, AppError]:
        """Forget a parking; false when there was none."""
