"""Domain events for tests: what a committed write would have emitted."""

from __future__ import annotations

from typing import Any

from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.events import DomainEvent


def an_event(event_type: str = "item.updated", **data: Any) -> DomainEvent:
    """An event of ``event_type`` about a new aggregate, carrying ``data`` (or an item)."""
    collection = {"item": "items", "order": "orders"}.get(event_type.split(".", 1)[0], "things")
    aggregate_id = new_id()
    return DomainEvent(
        id=new_id(),
        type=event_type,
        collection=collection,
        aggregate_id=aggregate_id,
        aggregate_version=1,
        time=utc_now(),
        data=data or {"id": str(aggregate_id), "name": "Lamp", "price": "12.50", "version": 1},
    )


def events(count: int, event_type: str = "item.updated") -> list[DomainEvent]:
    return [an_event(event_type) for _ in range(count)]
