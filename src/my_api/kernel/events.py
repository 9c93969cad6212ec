"""Domain events: what a committed write tells the rest of the world.

A write's pipeline returns its result together with the events it caused, as
an ``Emitted`` value; the unit of work writes those events to the outbox in
the same transaction as the change, so they exist exactly when the change
does (``kernel/unit_of_work.py``). After the commit a relay gives each one its
place in the feed and hands it to in-process handlers (``application/relay.py``).

Pure data: no IO, no HTTP. ``data`` is the resource as the API shows it after
the change (for a deletion, as it was when deleted), already JSON-ready.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult

from my_api.kernel.errors import AppError

T = TypeVar("T")
U = TypeVar("U")

# "<aggregate>.<what happened>", lower case: "item.created", "order.placed".
EVENT_TYPE = r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*"
_TYPE = re.compile(EVENT_TYPE)


@attrs.frozen
class DomainEvent:
    """One thing that happened to one aggregate, at one version of it."""

    id: UUID  # UUIDv7: unique, so consumers deduplicate by it
    type: str = attrs.field(validator=attrs.validators.matches_re(_TYPE))
    collection: str  # the resource the aggregate belongs to: "items", "orders"
    aggregate_id: UUID
    aggregate_version: int
    time: datetime
    data: Mapping[str, Any]


@attrs.frozen
class Published:
    """An event with its place in the feed: ``sequence`` increases in commit order."""

    sequence: int
    event: DomainEvent


@attrs.frozen
class Emitted(Generic[T]):
    """A write's result and the events it caused, in the order they happened."""

    value: T
    events: tuple[DomainEvent, ...] = ()

    def then(
        self, step: Callable[[T], FutureResult[Emitted[U], AppError]]
    ) -> FutureResult[Emitted[U], AppError]:
        """Run ``step`` on the value; its events follow these ones.

        The bind of the "value with events" pair: a pipeline of writes keeps every
        event of every step without threading a list through by hand.
        """
        return step(self.value).map(lambda after: Emitted(after.value, self.events + after.events))

    def map(self, function: Callable[[T], U]) -> Emitted[U]:
        return Emitted(function(self.value), self.events)


def emitting(
    step: Callable[[T], FutureResult[Emitted[U], AppError]],
) -> Callable[[Emitted[T]], FutureResult[Emitted[U], AppError]]:
    """``Emitted.then`` as a function, for ``bind`` in a ``flow``."""
    return lambda emitted: emitted.then(step)
