"""The SQL unit of work: one held connection per unit, commit only on Success.

A writing unit's events go to the outbox in its transaction, just before the
commit; once committed, the commit bell tells the relay there is something to
publish.

Holding one connection for the whole unit matters on PostgreSQL: outside a
held connection ``databases`` checks a pooled connection out and back in
(running asyncpg's reset query) for every statement.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.io import IOFailure
from returns.result import Failure, Result, Success

from my_api.adapters.sql.connections import (
    Connections,
    HeldConnection,
    Transaction,
    rollback_quietly,
)
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.errors import DATABASE_ERRORS, database_failure
from my_api.adapters.sql.executor import Row
from my_api.adapters.sql.outbox import SqlOutbox
from my_api.adapters.sql.repository import SqlRepository
from my_api.adapters.sql.row_reader import make_row_reader
from my_api.adapters.sql.statements import CompiledTable, compile_table
from my_api.kernel.bells import CommitBell
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session

E = TypeVar("E")
T = TypeVar("T")
Work = Callable[[Session], FutureResult[T, AppError]]
SessionWork = Callable[["SqlSession"], FutureResult[T, AppError]]
Writes = Callable[[Session], FutureResult[Emitted[T], AppError]]

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
    def __init__(self, connection: HeldConnection, prepared: dict[str, _Prepared]) -> None:
        self.statements = connection.statements
        self._prepared = prepared

    def repository(self, table: EntityTable[E]) -> AsyncRepository[E, UUID]:
        prepared = self._prepared[table.name]
        repository: SqlRepository[StoredEntity] = SqlRepository(
            self.statements,
            table,  # type: ignore[arg-type]
            prepared.sql,
            prepared.read,
        )
        return repository  # type: ignore[return-value]


@attrs.frozen
class SqlOptions:
    """The entity tables a SQL unit of work serves."""

    tables: tuple[EntityTable[Any], ...]


class SqlUnitOfWork:
    def __init__(
        self,
        connections: Connections,
        dialect: Dialect,
        options: SqlOptions,
        committed: CommitBell,
    ) -> None:
        self._connections = connections
        self._outbox = SqlOutbox(dialect)
        self._commit_bell = committed
        # SQL text and row readers for every declared table are built here, once.
        self._prepared = {
            table.name: _Prepared(
                compile_table(table.mapping, dialect), make_row_reader(table, dialect)
            )
            for table in options.tables
        }

    def atomically(self, work: Writes[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._written(work))

    async def _written(self, work: Writes[T]) -> Result[T, AppError]:
        def then_outbox(session: SqlSession) -> FutureResult[Emitted[T], AppError]:
            return work(session).bind(
                lambda emitted: self._outbox.append(session.statements, emitted.events).map(
                    lambda _: emitted
                )
            )

        outcome = await self._run(then_outbox, Mode.WRITE)
        if isinstance(outcome, Success) and outcome.unwrap().events:
            self._commit_bell.ring()
        return outcome.map(lambda emitted: emitted.value)

    def reading(self, work: Work[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._run(work, Mode.READ))

    def snapshot(self, work: Work[T]) -> FutureResult[T, AppError]:
        return FutureResult(self._run(work, Mode.SNAPSHOT))

    async def _run(self, work: SessionWork[T], mode: Mode) -> Result[T, AppError]:
        try:
            async with self._connections.hold(writing=mode is Mode.WRITE) as connection:
                session = SqlSession(connection, self._prepared)
                if mode is Mode.READ:
                    return performed(await work(session))
                transaction = connection.transaction(snapshot=mode is Mode.SNAPSHOT)
                return await _in_transaction(transaction, work, session)
        # Acquiring the connection (bounded), or giving it back. Failures of the work
        # itself are values already; its exceptions are not database errors.
        except DATABASE_ERRORS as error:
            return Failure(database_failure(error))


async def _in_transaction(
    transaction: Transaction, work: SessionWork[T], session: SqlSession
) -> Result[T, AppError]:
    try:
        await transaction.start()
    except DATABASE_ERRORS as error:
        return Failure(database_failure(error))
    try:
        outcome = await work(session)
    # Not BaseException: a coroutine being closed (GeneratorExit) must not await.
    except (Exception, asyncio.CancelledError):
        await rollback_quietly(transaction)
        raise
    if isinstance(outcome, IOFailure):
        await rollback_quietly(transaction)
        return performed(outcome)
    try:
        await transaction.commit()
    except DATABASE_ERRORS as error:
        return Failure(database_failure(error))
    return performed(outcome)
