"""The feed port: published events in commit order, and the relay pass that publishes them.

Writers store events without a feed position (``kernel/unit_of_work.py``).
``publish_pending`` is one relay pass: it gives the next committed, unpublished
events the sequences after the last one given, in one transaction that relays
take one at a time, so sequences increase in the order the passes commit. A
reader of ``read(after, ...)`` can therefore never see sequence k + 1 while k
could still appear: no gaps, no duplicates, nothing of a rolled-back write
(docs/events.md#why-the-feed-is-in-commit-order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import Published

# The largest sequence a feed can give (a signed 64-bit column on both databases).
MAX_SEQUENCE = (1 << 63) - 1


class EventFeed(Protocol):
    def publish_pending(self, limit: int) -> FutureResult[Sequence[Published], AppError]:
        """One relay pass: at most ``limit`` unpublished events, given their sequences,
        in writing order; nothing when nothing is pending.
        """

    def read(
        self, after: int, limit: int, event_type: str | None = None
    ) -> FutureResult[Sequence[Published], AppError]:
        """At most ``limit`` published events with a sequence above ``after``, in feed
        order; only those of the domain ``event_type`` (``item.updated``) when given.
        """
