"""The generic raw-SQL adapter of ``AsyncRepository``, for any declared entity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from uuid import UUID

from returns.result import Failure, Result, Success

from my_api.adapters.sql.errors import guarded
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.adapters.sql.statements import CompiledTable, count_query, list_query
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError, MalformedRequest, NotFound, PreconditionFailed
from my_api.kernel.keyset import Keyset
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification
from my_api.kernel.table import EntityTable

E = TypeVar("E", bound=StoredEntity)


class SqlRepository(Generic[E]):
    """Rows of one table on one held connection; SQL text comes precompiled."""

    def __init__(
        self,
        executor: SqlExecutor,
        table: EntityTable[E],
        sql: CompiledTable,
        read: Callable[[Row], E],
    ) -> None:
        self._executor = executor
        self._table = table
        self._sql = sql
        self._from_row = read

    @guarded
    async def get(self, entity_id: UUID) -> Result[E, AppError]:
        row = await self._executor.fetch_one(self._sql.select_live, [self._sql.bind_id(entity_id)])
        if row is None:
            return Failure(NotFound(self._table.name, str(entity_id)))
        return Success(self._from_row(row))

    @guarded
    async def add(self, entity: E) -> Result[E, AppError]:
        await self._executor.execute(self._sql.insert, self._sql.bind_row(entity))
        return Success(entity)

    @guarded
    async def update(self, entity: E, *, expected_version: int) -> Result[E, AppError]:
        row = await self._executor.fetch_one(
            self._sql.update, [*self._sql.bind_row(entity), expected_version]
        )
        if row is None:
            return Failure(PreconditionFailed())
        return Success(entity)

    @guarded
    async def list(
        self,
        spec: Specification | None,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        keyset: Keyset | None = None,
    ) -> Result[Sequence[E], AppError]:
        query = list_query(self._sql, spec, sort, limit=limit, offset=offset, keyset=keyset)
        if isinstance(query, Failure):
            return Failure(MalformedRequest(query.failure()))
        text, params = query.unwrap()
        rows = await self._executor.fetch_all(text, params)
        return Success([self._from_row(row) for row in rows])

    @guarded
    async def count(self, spec: Specification | None = None) -> Result[int, AppError]:
        query = count_query(self._sql, spec)
        if isinstance(query, Failure):
            return Failure(MalformedRequest(query.failure()))
        row = await self._executor.fetch_one(*query.unwrap())
        return Success(int(row[0]) if row is not None else 0)
