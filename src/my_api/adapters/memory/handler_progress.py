"""Handler positions and parkings in dictionaries; same contract as the SQL adapter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import Published
from my_api.kernel.handler_progress import MAX_ERROR_LENGTH, Parked


class InMemoryHandlerProgress:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self._leases: dict[str, tuple[str, datetime]] = {}
        self._parked: dict[tuple[str, UUID], Parked] = {}

    def lease(
        self, handler: str, owner: str, now: datetime, until: datetime
    ) -> FutureResult[bool, AppError]:
        holder, lapses = self._leases.get(handler, (owner, now))
        held = holder == owner or lapses < now
        if held:
            self._leases[handler] = (owner, until)
        return FutureResult.from_value(held)

    def release(self, handler: str, owner: str) -> FutureResult[None, AppError]:
        if self._leases.get(handler, ("", None))[0] == owner:
            del self._leases[handler]
        return FutureResult.from_value(None)

    def position(self, handler: str) -> FutureResult[int, AppError]:
        return FutureResult.from_value(self.positions.get(handler, 0))

    def advance(self, handler: str, expected: int, to: int) -> FutureResult[bool, AppError]:
        moved = self.positions.get(handler, 0) == expected
        if moved:
            self.positions[handler] = to
        return FutureResult.from_value(moved)

    def park(
        self, handler: str, published: Published, error: str, at: datetime
    ) -> FutureResult[None, AppError]:
        parked = Parked(handler, published, error[:MAX_ERROR_LENGTH], at)
        self._parked[handler, published.event.id] = parked
        return FutureResult.from_value(None)

    def parked(self) -> FutureResult[Sequence[Parked], AppError]:
        return FutureResult.from_value(sorted(self._parked.values(), key=_feed_order))

    def parked_event(self, event_id: UUID) -> FutureResult[Sequence[Parked], AppError]:
        found = [one for one in self._parked.values() if one.published.event.id == event_id]
        return FutureResult.from_value(sorted(found, key=_feed_order))

    def unpark(self, handler: str, event_id: UUID) -> FutureResult[bool, AppError]:
        return FutureResult.from_value(self._parked.pop((handler, event_id), None) is not None)


def _feed_order(parked: Parked) -> tuple[int, str]:
    return parked.published.sequence, parked.handler
