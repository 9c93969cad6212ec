"""Where a unit of work gets its connection: a port, and ``databases`` behind it.

``Connections.hold()`` checks one connection out of ``databases``' pool for a
whole unit of work and gives it back afterwards; transactions on it are the
dialect's BEGIN/COMMIT/ROLLBACK run as statements (see ``executor.py`` for why
not ``databases``' ``Transaction``). The port
exists so that the benchmark can measure the service with another connection
source bound in the composition root (bench/), not to hide ``databases``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

import aiosqlite
import attrs
import databases
from returns.future import FutureResult, future_safe

from my_api.adapters.sql.database import WriterDatabase
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.errors import DATABASE_ERRORS, database_failure
from my_api.adapters.sql.executor import EXECUTORS, SqlExecutor, StatementTransaction
from my_api.kernel.errors import AppError

T = TypeVar("T")
log = logging.getLogger(__name__)


class Transaction(Protocol):
    """One transaction on a held connection, as the unit of work drives it."""

    async def start(self) -> object: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class HeldConnection(Protocol):
    @property
    def statements(self) -> SqlExecutor: ...

    def transaction(self, *, snapshot: bool) -> Transaction:
        """A transaction; a ``snapshot`` one is read-only and sees one snapshot."""


class Connections(Protocol):
    def hold(self, *, writing: bool = False) -> AbstractAsyncContextManager[HeldConnection]:
        """One connection for a unit of work; ``writing`` when it may write."""


class DatabaseConnection:
    """One ``databases`` connection, held for a unit of work."""

    def __init__(self, connection: databases.core.Connection, dialect: Dialect) -> None:
        self._dialect = dialect
        self.statements = EXECUTORS[dialect.name](connection.raw_connection)

    def transaction(self, *, snapshot: bool) -> Transaction:
        dialect = self._dialect
        return StatementTransaction(
            self.statements, dialect.begin_snapshot if snapshot else dialect.begin_write
        )


@attrs.frozen
class AcquireTimeout:
    """The longest wait for a pooled connection."""

    seconds: float


class _Held:
    """``async with database.connection()`` with a bounded acquire, giving the port's shape.

    A class rather than a generator-based context manager: it is entered for every
    unit of work, and measured 1 us against 6 us for ``@asynccontextmanager`` held
    through an ``AsyncExitStack``.
    """

    def __init__(
        self, connection: databases.core.Connection, dialect: Dialect, timeout: float
    ) -> None:
        self._connection = connection
        self._dialect = dialect
        self._timeout = timeout

    async def __aenter__(self) -> HeldConnection:
        async with asyncio.timeout(self._timeout):
            await self._connection.__aenter__()
        return DatabaseConnection(self._connection, self._dialect)

    async def __aexit__(self, *exc_info: object) -> None:
        await self._connection.__aexit__()


class _HeldWriter:
    """The SQLite writer connection (``WriterDatabase``), lent to one holder at a time.

    Queueing for it is bounded like acquiring a pooled connection: behind a stuck
    writer the queue answers Unavailable instead of growing without end. Its
    transactions are explicit because it runs in autocommit mode.
    """

    def __init__(self, database: WriterDatabase, dialect: Dialect, timeout: float) -> None:
        assert database.writer is not None  # noqa: S101 - checked by the caller
        self._writer = database.writer
        self._lock = database.writing
        self._dialect = dialect
        self._timeout = timeout

    async def __aenter__(self) -> HeldConnection:
        async with asyncio.timeout(self._timeout):
            await self._lock.acquire()
        return _WriterConnection(self._writer, self._dialect)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is asyncio.CancelledError:
                # A holder cancelled mid-statement (the relay at shutdown): the statement
                # still runs on aiosqlite's thread. Settle before the next holder begins.
                await asyncio.shield(self._settled())
        finally:
            self._lock.release()

    async def _settled(self) -> None:
        """Wait out what the writer's thread still has queued (it runs requests in
        order), then roll back a transaction the cancelled holder left open.
        """
        try:
            async with self._writer.execute("SELECT 1"):
                pass
            if self._writer.in_transaction:
                await self._writer.rollback()
        except DATABASE_ERRORS as error:
            log.warning("settling the writer failed: %s", type(error).__name__, exc_info=error)


class _WriterConnection:
    def __init__(self, writer: aiosqlite.Connection, dialect: Dialect) -> None:
        self._writer = writer
        self._begin_write = dialect.begin_write
        self.statements = EXECUTORS[dialect.name](writer)

    def transaction(self, *, snapshot: bool) -> Transaction:  # noqa: ARG002 - the port's shape
        return _WriterTransaction(self._writer, self.statements, self._begin_write)


class _WriterTransaction(StatementTransaction):
    """A write transaction on the long-lived writer connection."""

    def __init__(self, writer: aiosqlite.Connection, statements: SqlExecutor, begin: str) -> None:
        super().__init__(statements, begin)
        self._writer = writer

    async def start(self) -> None:
        if self._writer.in_transaction:
            # A ROLLBACK that failed earlier left one open: nothing of it was committed.
            await self.rollback()
        await super().start()


class DatabaseConnections:
    """The production ``Connections``: the pool of a connected ``databases.Database``.

    Acquiring is bounded: ``databases`` itself would wait forever on an exhausted
    pool. A ``TimeoutError`` then leaves ``hold()`` like any database error.
    """

    def __init__(
        self, database: databases.Database, dialect: Dialect, limits: AcquireTimeout
    ) -> None:
        self._database = database
        self._dialect = dialect
        self._timeout = limits.seconds

    def hold(self, *, writing: bool = False) -> AbstractAsyncContextManager[HeldConnection]:
        database = self._database
        if writing and isinstance(database, WriterDatabase) and database.writer is not None:
            return _HeldWriter(database, self._dialect, self._timeout)
        return _Held(database.connection(), self._dialect, self._timeout)

    def ping(self) -> FutureResult[None, AppError]:
        """One trivial round trip, for readiness; a failure is a value."""
        return _select_one(self._database).alt(database_failure).map(lambda _: None)


@future_safe(DATABASE_ERRORS)
async def _select_one(database: databases.Database) -> object:
    return await database.fetch_val("SELECT 1")


async def rollback_quietly(transaction: Transaction) -> None:
    """Roll back. A rollback that fails (the connection is gone, say) is logged and
    must not replace the outcome or exception that caused it: nothing was
    committed, and the server discards an open transaction with its connection.
    """
    try:
        await transaction.rollback()
    except DATABASE_ERRORS as error:
        log.warning("rollback failed: %s", type(error).__name__, exc_info=error)


def on_connection(
    connections: Connections, work: Callable[[SqlExecutor], Awaitable[T]], *, write: bool
) -> FutureResult[T, AppError]:
    """``work`` on one held connection, its database errors as values. A ``write`` is one
    transaction on the writer's connection: committed when ``work`` returns, rolled back
    when it raises. A read is a single statement's worth, with no transaction.

    For the stores beside the unit of work (API keys, handler progress, the relay's
    pass), whose work is a few statements of their own.
    """
    return _on_connection(connections, work, write=write).alt(database_failure)


@future_safe(DATABASE_ERRORS)
async def _on_connection(
    connections: Connections, work: Callable[[SqlExecutor], Awaitable[T]], *, write: bool
) -> T:
    async with connections.hold(writing=write) as connection:
        if not write:
            return await work(connection.statements)
        transaction = connection.transaction(snapshot=False)
        await transaction.start()
        try:
            done = await work(connection.statements)
        # Not BaseException: a coroutine being closed (GeneratorExit) must not await.
        except (Exception, asyncio.CancelledError):
            await rollback_quietly(transaction)
            raise
        await transaction.commit()
        return done
