"""The in-memory adapter of ``AsyncRepository``: same contract, a dict for storage.

For unit tests of pipelines and as the reference the contract suite holds
the SQL adapter to. Soft-deleted entities stay in the dict, as rows do.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Generic, TypeVar
from uuid import UUID

from returns.future import FutureResult

from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError, Conflict, NotFound, PreconditionFailed
from my_api.kernel.keyset import Keyset
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification

E = TypeVar("E", bound=StoredEntity)


class InMemoryRepository(Generic[E]):
    def __init__(self, name: str, rows: MutableMapping[UUID, E]) -> None:
        self._name = name
        self._rows = rows

    def _live(self, entity_id: UUID) -> E | None:
        entity = self._rows.get(entity_id)
        return entity if entity is not None and entity.deleted_at is None else None

    def get(self, entity_id: UUID) -> FutureResult[E, AppError]:
        entity = self._live(entity_id)
        if entity is None:
            return FutureResult.from_failure(NotFound(self._name, str(entity_id)))
        return FutureResult.from_value(entity)

    def claim(self, entity_id: UUID, *, include_deleted: bool = False) -> FutureResult[E, AppError]:
        # Units of work are serialised (InMemoryUnitOfWork's lock): nothing to lock.
        entity = self._rows.get(entity_id) if include_deleted else self._live(entity_id)
        if entity is None:
            return FutureResult.from_failure(NotFound(self._name, str(entity_id)))
        return FutureResult.from_value(entity)

    def add(self, entity: E) -> FutureResult[E, AppError]:
        if entity.id in self._rows:
            return FutureResult.from_failure(
                Conflict("A resource with the same identity already exists.")
            )
        self._rows[entity.id] = entity
        return FutureResult.from_value(entity)

    def update(
        self, entity: E, *, expected_version: int, include_deleted: bool = False
    ) -> FutureResult[E, AppError]:
        current = self._rows.get(entity.id) if include_deleted else self._live(entity.id)
        if current is None or current.version != expected_version:
            return FutureResult.from_failure(PreconditionFailed())
        self._rows[entity.id] = entity
        return FutureResult.from_value(entity)

    def _matching(self, spec: Specification | None) -> list[E]:
        return [
            entity
            for entity in self._rows.values()
            if entity.deleted_at is None and (spec is None or spec.is_satisfied_by(entity))
        ]

    def list(
        self,
        spec: Specification | None,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        keyset: Keyset | None = None,
    ) -> FutureResult[Sequence[E], AppError]:
        rows = self._matching(spec)
        if keyset is not None:
            rows = [entity for entity in rows if keyset.admits(sort, entity)]
        ordered = sort.ordered(rows)
        if keyset is not None and not keyset.after:
            ordered.reverse()  # nearest the boundary first, as the port says
        return FutureResult.from_value(ordered[offset : offset + limit])

    def count(self, spec: Specification | None = None) -> FutureResult[int, AppError]:
        return FutureResult.from_value(len(self._matching(spec)))
