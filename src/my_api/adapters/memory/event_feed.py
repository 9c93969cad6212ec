"""The feed over an in-memory outbox: the list the in-memory unit of work appends to.

That unit of work appends a unit's events to ``outbox`` when it commits, in
commit order, and never removes any; a pass numbers the next ones after those
it numbered before. Same contract as the SQL feed (tests/contract).
"""

from __future__ import annotations

from collections.abc import Sequence

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import DomainEvent, Published


class InMemoryEventFeed:
    def __init__(self, outbox: Sequence[DomainEvent]) -> None:
        self._outbox = outbox
        # Sequence n is published[n - 1]: the feed has no gaps.
        self.published: list[Published] = []

    def publish_pending(self, limit: int) -> FutureResult[Sequence[Published], AppError]:
        start = len(self.published)
        pending = self._outbox[start : start + limit]
        numbered = [Published(start + n, event) for n, event in enumerate(pending, start=1)]
        self.published += numbered
        return FutureResult.from_value(numbered)

    def read(
        self, after: int, limit: int, event_type: str | None = None
    ) -> FutureResult[Sequence[Published], AppError]:
        later = self.published[max(after, 0) :]
        if event_type is not None:
            later = [one for one in later if one.event.type == event_type]
        return FutureResult.from_value(later[:limit])
