"""The generic raw-SQL adapter of ``AsyncRepository``, for any declared entity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from uuid import UUID

from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.adapters.sql.errors import execute, fetch_all, fetch_one
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.adapters.sql.statements import CompiledTable, count_query, list_query
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError, MalformedRequest, NotFound, PreconditionFailed
from my_api.kernel.keyset import Keyset
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification
from my_api.kernel.table import EntityTable

E = TypeVar("E", bound=StoredEntity)


def _malformed(reason: str) -> AppError:
    return MalformedRequest(reason)


class SqlRepository(Generic[E]):
    """Rows of one table on one held connection; SQL text comes precompiled."""

    def __init__(
        self,
        statements: SqlExecutor,
        table: EntityTable[E],
        sql: CompiledTable,
        read: Callable[[Row], E],
    ) -> None:
        self._statements = statements
        self._table = table
        self._sql = sql
        self._from_row = read

    def get(self, entity_id: UUID) -> FutureResult[E, AppError]:
        return self._one(self._sql.select_live, entity_id)

    def claim(self, entity_id: UUID, *, include_deleted: bool = False) -> FutureResult[E, AppError]:
        return self._one(
            self._sql.claim_any if include_deleted else self._sql.claim_live, entity_id
        )

    def _one(self, statement: str, entity_id: UUID) -> FutureResult[E, AppError]:
        def found(row: Row | None) -> Result[E, AppError]:
            if row is None:
                return Failure(NotFound(self._table.name, str(entity_id)))
            return Success(self._from_row(row))

        bound = [self._sql.bind_id(entity_id)]
        return fetch_one(self._statements, statement, bound).bind_result(found)

    def add(self, entity: E) -> FutureResult[E, AppError]:
        inserted = execute(self._statements, self._sql.insert, self._sql.bind_row(entity))
        return inserted.map(lambda _: entity)

    def update(
        self, entity: E, *, expected_version: int, include_deleted: bool = False
    ) -> FutureResult[E, AppError]:
        def written(row: Row | None) -> Result[E, AppError]:
            # No row back: the row with that version is gone (changed, or deleted).
            return Failure(PreconditionFailed()) if row is None else Success(entity)

        statement = self._sql.update_any if include_deleted else self._sql.update
        bound = [*self._sql.bind_row(entity), expected_version]
        return fetch_one(self._statements, statement, bound).bind_result(written)

    def list(
        self,
        spec: Specification | None,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        keyset: Keyset | None = None,
    ) -> FutureResult[Sequence[E], AppError]:
        query = list_query(self._sql, spec, sort, limit=limit, offset=offset, keyset=keyset)
        return (
            FutureResult.from_result(query.alt(_malformed))
            .bind(lambda statement: fetch_all(self._statements, *statement))
            .map(self._entities)
        )

    def count(self, spec: Specification | None = None) -> FutureResult[int, AppError]:
        return (
            FutureResult.from_result(count_query(self._sql, spec).alt(_malformed))
            .bind(lambda statement: fetch_one(self._statements, *statement))
            .map(lambda row: int(row[0]) if row is not None else 0)
        )

    def _entities(self, rows: Sequence[Row]) -> Sequence[E]:
        return [self._from_row(row) for row in rows]
