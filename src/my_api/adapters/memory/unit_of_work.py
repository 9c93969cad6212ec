"""An in-memory unit of work with real rollback: Failure or exception restores the snapshot.

Committed units append their events to ``outbox`` in commit order, as the SQL
unit of work inserts them into its outbox table; a unit that rolls back adds none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from returns.future import FutureResult
from returns.io import IOFailure
from returns.result import Result, Success

from my_api.adapters.memory.repository import InMemoryRepository
from my_api.kernel.bells import CommitBell
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session

E = TypeVar("E")
T = TypeVar("T")


class InMemorySession:
    def __init__(self, tables: dict[str, dict[UUID, Any]]) -> None:
        self._tables = tables

    def repository(self, table: EntityTable[E]) -> AsyncRepository[E, UUID]:
        rows = self._tables.setdefault(table.name, {})
        repository: InMemoryRepository[StoredEntity] = InMemoryRepository(table.name, rows)
        return repository  # type: ignore[return-value]


class InMemoryUnitOfWork:
    """Serialises units of work with a lock, as a single-writer database would."""

    def __init__(self, committed: CommitBell | None = None) -> None:
        self.tables: dict[str, dict[UUID, Any]] = {}
        self.outbox: list[DomainEvent] = []
        self._commit_bell = committed or CommitBell()
        self._lock = asyncio.Lock()
        self.commits = 0
        self.rollbacks = 0

    def rows(self, table: EntityTable[E]) -> dict[UUID, E]:
        return self.tables.setdefault(table.name, {})

    def atomically(
        self, work: Callable[[Session], FutureResult[Emitted[T], AppError]]
    ) -> FutureResult[T, AppError]:
        return FutureResult(self._atomically(work))

    def reading(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]:
        return FutureResult(self._reading(work))

    def snapshot(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]:
        return FutureResult(self._in_snapshot(work))

    async def _in_snapshot(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> Result[T, AppError]:
        # Copies of the tables as they are now: writes committed while the work
        # awaits change ``self.tables``, not what this work reads.
        frozen = {name: dict(rows) for name, rows in self.tables.items()}
        return performed(await work(InMemorySession(frozen)))

    async def _reading(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> Result[T, AppError]:
        return performed(await work(InMemorySession(self.tables)))

    async def _atomically(
        self, work: Callable[[Session], FutureResult[Emitted[T], AppError]]
    ) -> Result[T, AppError]:
        async with self._lock:
            snapshot = {name: dict(rows) for name, rows in self.tables.items()}
            try:
                outcome = await work(InMemorySession(self.tables))
            except BaseException:
                self._restore(snapshot)
                raise
            if isinstance(outcome, IOFailure):
                self._restore(snapshot)
                return performed(outcome.map(lambda emitted: emitted.value))
            self.commits += 1
            emitted = performed(outcome).unwrap()
            self.outbox += emitted.events
        if emitted.events:
            self._commit_bell.ring()
        return Success(emitted.value)

    def _restore(self, snapshot: dict[str, dict[UUID, Any]]) -> None:
        self.rollbacks += 1
        self.tables.clear()
        self.tables.update(snapshot)
