"""The Unit of Work port: one connection, one transaction, one outcome.

``atomically(work)`` runs ``work`` inside a transaction and **commits only if
it ends in Success**; a Failure or an exception rolls everything back (the
exception then propagates to the HTTP edge as a 500). The work answers its
value together with the domain events it caused (``Emitted``); the unit writes
those events to the outbox in the same transaction, so a write that rolls back
emits nothing, and every one that commits has its events stored. ``reading(work)`` holds
one connection without a transaction, for a single read. ``snapshot(work)``
runs several reads against one consistent snapshot (a page and its total).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar
from uuid import UUID

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.table import EntityTable

E = TypeVar("E")
T = TypeVar("T")


class Session(Protocol):
    """What a pipeline sees inside a unit of work."""

    def repository(self, table: EntityTable[E]) -> AsyncRepository[E, UUID]: ...


class UnitOfWork(Protocol):
    def atomically(
        self, work: Callable[[Session], FutureResult[Emitted[T], AppError]]
    ) -> FutureResult[T, AppError]: ...

    def reading(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]: ...

    def snapshot(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]: ...
