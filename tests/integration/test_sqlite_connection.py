"""Every SQLite connection ``create_database`` opens carries our PRAGMAs.

``foreign_keys`` and ``busy_timeout`` are per connection and off by default,
so one correctly configured connection proves nothing about the next: the
checks run on two connections held open at the same time.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import databases
import pytest

from my_api.adapters.sql.database import SQLITE_BUSY_TIMEOUT_MS
from my_api.bootstrap import build_container
from my_api.settings import Settings


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[databases.Database]:
    database = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'pragmas.db'}"))[
        databases.Database
    ]
    await database.connect()
    yield database
    await database.disconnect()


async def pragma_on_two_connections(database: databases.Database, pragma: str) -> list[object]:
    """``PRAGMA <pragma>`` read on two distinct connections, both open at once."""
    both_open = asyncio.Barrier(2)
    seen: list[object] = []
    values: list[object] = []

    async def read() -> None:
        # Each task gets its own connection from ``databases``.
        async with database.connection() as connection:
            seen.append(connection.raw_connection)
            await both_open.wait()
            values.append(await connection.fetch_val(f"PRAGMA {pragma}"))

    await asyncio.gather(read(), read())
    assert seen[0] is not seen[1], "the two reads must use two connections"
    return values


async def test_foreign_keys_are_on_for_every_connection(
    sqlite_database: databases.Database,
) -> None:
    assert await pragma_on_two_connections(sqlite_database, "foreign_keys") == [1, 1]


async def test_foreign_keys_are_enforced_not_just_reported(
    sqlite_database: databases.Database,
) -> None:
    await sqlite_database.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    await sqlite_database.execute(
        "CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents (id))"
    )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await sqlite_database.execute("INSERT INTO children (id, parent) VALUES (1, 42)")
    assert await sqlite_database.fetch_val("SELECT count(*) FROM children") == 0


async def test_busy_timeout_is_set_on_every_connection(
    sqlite_database: databases.Database,
) -> None:
    assert SQLITE_BUSY_TIMEOUT_MS > 0
    assert await pragma_on_two_connections(sqlite_database, "busy_timeout") == [
        SQLITE_BUSY_TIMEOUT_MS,
        SQLITE_BUSY_TIMEOUT_MS,
    ]


async def test_the_journal_is_in_wal_mode(sqlite_database: databases.Database) -> None:
    assert await pragma_on_two_connections(sqlite_database, "journal_mode") == ["wal", "wal"]


async def test_synchronous_is_normal_on_every_connection(
    sqlite_database: databases.Database,
) -> None:
    # 1 is NORMAL: safe with WAL, without an fsync per commit.
    assert await pragma_on_two_connections(sqlite_database, "synchronous") == [1, 1]


async def test_the_directory_of_the_database_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    database = build_container(Settings(database_url=f"sqlite:///{path}"))[databases.Database]
    await database.connect()
    try:
        assert await database.fetch_val("SELECT 1") == 1
    finally:
        await database.disconnect()
    assert path.is_file()
