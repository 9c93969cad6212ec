"""One shape for running SQL on a held driver connection, whatever the driver.

The repository speaks to ``SqlExecutor``; there is one implementation per
driver, each a thin pass-through to the raw connection ``databases`` holds
for the unit of work (text SQL, prepared and cached by the driver).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg

Row = Sequence[Any]


class SqlExecutor(Protocol):
    async def fetch_one(self, sql: str, args: Sequence[Any]) -> Row | None: ...

    async def fetch_all(self, sql: str, args: Sequence[Any]) -> list[Row]: ...

    async def execute(self, sql: str, args: Sequence[Any]) -> None: ...


class Transactions(Protocol):
    """Transaction control on a held connection; one implementation per driver."""

    async def begin(self) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class PostgresExecutor:
    def __init__(self, connection: asyncpg.Connection[Any]) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, args: Sequence[Any]) -> Row | None:
        return await self._connection.fetchrow(sql, *args)

    async def fetch_all(self, sql: str, args: Sequence[Any]) -> list[Row]:
        return list(await self._connection.fetch(sql, *args))

    async def execute(self, sql: str, args: Sequence[Any]) -> None:
        await self._connection.execute(sql, *args)


class SqliteExecutor:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, args: Sequence[Any]) -> Row | None:
        async with self._connection.execute(sql, tuple(args)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, args: Sequence[Any]) -> list[Row]:
        async with self._connection.execute(sql, tuple(args)) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, args: Sequence[Any]) -> None:
        async with self._connection.execute(sql, tuple(args)):
            pass


class PostgresTransactions:
    """Transaction control on a raw asyncpg connection.

    A read-only one is REPEATABLE READ: all its statements see one snapshot.
    """

    def __init__(self, connection: asyncpg.Connection[Any], *, read_only: bool = False) -> None:
        self._transaction = (
            connection.transaction(isolation="repeatable_read", readonly=True)
            if read_only
            else connection.transaction()
        )

    async def begin(self) -> None:
        await self._transaction.start()

    async def commit(self) -> None:
        await self._transaction.commit()

    async def rollback(self) -> None:
        await self._transaction.rollback()


class SqliteTransactions:
    """``BEGIN IMMEDIATE`` takes the write lock up front: a deferred transaction
    that reads and then writes can fail with SQLITE_BUSY instead of waiting.
    A read-only one is deferred: under WAL it reads one snapshot throughout.
    """

    def __init__(self, connection: aiosqlite.Connection, *, read_only: bool = False) -> None:
        self._connection = connection
        self._begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    async def begin(self) -> None:
        await self._connection.execute(self._begin)

    async def commit(self) -> None:
        await self._connection.execute("COMMIT")

    async def rollback(self) -> None:
        await self._connection.execute("ROLLBACK")
