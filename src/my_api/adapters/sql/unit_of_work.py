"""The SQL unit of work: one held connection per unit, commit only on Success.

Holding one connection for the whole unit matters on PostgreSQL: outside a
held connection ``databases`` checks a pooled connection out and back in
(running asyncpg's reset query) for every statement. Acquisition is bounded
because ``databases`` itself would wait forever on an exhausted pool.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import UUID

import attrs
import databases
from returns.future import FutureResult
from returns.io import IOFailure
from returns.result import Failure, Result

from my_api.adapters.sql.dialect import Dialect, DialectName
from my_api.adapters.sql.errors import DATABASE_ERRORS, database_failure
from my_api.adapters.sql.executor import (
    PostgresExecutor,
    PostgresTransactions,
    Row,
    SqlExecutor,
    SqliteExecutor,
    SqliteTransactions,
    Transactions,
)
from my_api.adapters.sql.repository import SqlRepository
from my_api.adapters.sql.row_reader import make_row_reader
from my_api.adapters.sql.statements import CompiledTable, compile_table
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.io_edge import performed
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session

E = TypeVar("E")
T = TypeVar("T")
Work = Callable[[Session], FutureResult[T, AppError]]

log = logging.getLogger(__name__)


class Mode(enum.Enum):
    READ = "one read, no transaction"
    SNAPSHOT = "several reads, one read-only snapshot"
    WRITE = "a transaction that commits only on Success"


@attrs.frozen
class _Prepared:
    """What a table needs at run time, built once at start-up."""

    sql: CompiledTable
    read: Callable[[Row], Any]


class SqlSession:
    def __init__(self, executor: SqlExecutor, prepared: dict[str, _Prepared]) -> None:
        self._executor = executor
        self._prepared = prepared

    def repository(self, table: EntityTable[E]) -> AsyncRepository[E, UUID]:
        prepared = self._prepared[table.name]
        repository: SqlRepository[StoredEntity] = SqlRepository(
            self._executor,
            table,  # type: ignore[arg-type]
            prepared.sql,
            prepared.read,
        )
        return repository  # type: ignore[return-value]


class SqlUnitOfWork:
    def __init__(
        self,
        database: databases.Database,
        dialect: Dialect,
        tables: Iterable[EntityTable[Any]],
        *,
        acquire_timeout: float,
    ) -> None:
        self._database = database
        self._acquire_timeout = acquire_timeout
        postgres = dialect.name is DialectName.POSTGRESQL
        self._executor: Callable[[Any], SqlExecutor] = (
            PostgresExecutor if postgres else SqliteExecutor
        )
        self._transactions: Callable[..., Transactions] = (
            PostgresTransactions if postgres else SqliteTransactions
        )
        # SQL text and row readers for every declared table are built here, once.
        self._prepared = {
            table.name: _Prepared(
                compile_table(table.mapping, dialect), make_row_reader(table, dialect)
            )
            for table in tables
        }

    def atomically(self, work: Work[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._run(work, Mode.WRITE))

    def reading(self, work: Work[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._run(work, Mode.READ))

    def snapshot(self, work: Work[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._run(work, Mode.SNAPSHOT))

    async def _run(self, work: Work[T], mode: Mode) -> Result[T, AppError]:
        connection = self._database.connection()
        try:
            async with asyncio.timeout(self._acquire_timeout):
                await connection.__aenter__()
        except DATABASE_ERRORS as error:
            return Failure(database_failure(error))
        try:
            return await self._on_connection(connection.raw_connection, work, mode)
        finally:
            await connection.__aexit__(None, None, None)

    async def _on_connection(self, raw: Any, work: Work[T], mode: Mode) -> Result[T, AppError]:
        """The unit itself, on a driver connection that is already held."""
        session = SqlSession(self._executor(raw), self._prepared)
        if mode is Mode.READ:
            return performed(await work(session))
        transactions = self._transactions(raw, read_only=mode is Mode.SNAPSHOT)
        return await _in_transaction(transactions, work, session)


async def _in_transaction(
    transactions: Transactions, work: Work[T], session: Session
) -> Result[T, AppError]:
    try:
        await transactions.begin()
    except DATABASE_ERRORS as error:
        return Failure(database_failure(error))
    try:
        outcome = await work(session)
    # Not BaseException: a coroutine being closed (GeneratorExit) must not await.
    except (Exception, asyncio.CancelledError):
        await _rollback_quietly(transactions)
        raise
    if isinstance(outcome, IOFailure):
        await transactions.rollback()
        return performed(outcome)
    try:
        await transactions.commit()
    except DATABASE_ERRORS as error:
        return Failure(database_failure(error))
    return performed(outcome)


async def _rollback_quietly(transactions: Transactions) -> None:
    """Roll back while another exception is on its way; a failed rollback (say, the
    connection is gone) is logged and must not replace the exception that matters.
    """
    try:
        await transactions.rollback()
    except DATABASE_ERRORS as error:
        log.warning("rollback failed: %s", type(error).__name__, exc_info=error)
