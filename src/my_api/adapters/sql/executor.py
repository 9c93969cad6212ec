"""Statements on a held connection: the one module that touches the raw drivers.

``databases`` holds the connection (see ``connections.py``); statements, and the
BEGIN/COMMIT/ROLLBACK of a transaction, go to the driver connection it holds.
Both are measured hot spots:

- ``databases``' own ``Connection.fetch_one`` takes named parameters and compiles
  every text query through SQLAlchemy: ~200 us per query against ~60 us for the
  same prepared statement on the asyncpg connection
  (../shared/design/DEPENDENCY-NOTES.md; bench/connection_cost.py).
- ``databases``' ``Transaction`` (a lock, a connection counter and a context
  variable holding a copied WeakKeyDictionary, per start and per end) cost
  116,000 instructions per POST against the same BEGIN and COMMIT sent as
  statements: 1,261k against 1,145k instructions per request, 10 %
  (bench/instructions.py under callgrind, 2026-12-06).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg

from my_api.adapters.sql.dialect import DialectName

Row = Sequence[Any]


class SqlExecutor(Protocol):
    """Run one statement with positional arguments on a held connection."""

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]: ...

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None: ...


class _Asyncpg:
    def __init__(self, connection: asyncpg.Connection[Any]) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return await self._connection.fetchrow(sql, *args)

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(await self._connection.fetch(sql, *args))

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        # Without arguments asyncpg uses the simple protocol: a whole script runs.
        await self._connection.execute(sql, *args)


class _Aiosqlite:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        async with self._connection.execute(sql, tuple(args)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        async with self._connection.execute(sql, tuple(args)) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        async with self._connection.execute(sql, tuple(args)):
            pass


EXECUTORS: Mapping[DialectName, Callable[[Any], SqlExecutor]] = {
    DialectName.POSTGRESQL: _Asyncpg,
    DialectName.SQLITE: _Aiosqlite,
}


class StatementTransaction:
    """A transaction spelled as the dialect spells it, run as statements.

    Both drivers track the server's transaction state themselves, so a connection
    released with this transaction still open comes back rolled back
    (tests/integration/test_pool_reset.py).
    """

    def __init__(self, statements: SqlExecutor, begin: str) -> None:
        self._statements = statements
        self._begin = begin

    async def start(self) -> None:
        await self._statements.execute(self._begin)

    async def commit(self) -> None:
        await self._statements.execute("COMMIT")

    async def rollback(self) -> None:
        await self._statements.execute("ROLLBACK")
