"""Statements on a held connection: the one module that touches the raw drivers.

``databases`` holds the connection and runs its transactions (see
``connections.py``); the statements themselves go to the driver connection it
holds. That is a measured hot spot: ``databases``' own ``Connection.fetch_one``
takes named parameters and compiles every text query through SQLAlchemy,
~200 us per query against ~60 us for the same prepared statement on the asyncpg
connection (../shared/design/DEPENDENCY-NOTES.md; bench/connection_cost.py).
Our SQL is text with numbered placeholders, prepared and cached by the driver.
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
