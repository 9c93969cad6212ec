"""Statements are bounded in time: a held lock or a runaway statement is a 503, not a hang.

The lock is a real one, held by another connection to the same database. The
requests are guarded by a generous ``asyncio.timeout`` only so that a
regression fails instead of hanging the suite; the assertions are on what
the client gets and on the driver error behind it, not on durations.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from my_api.adapters.sql.database import PoolSize, TimeLimits, create_database
from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE
from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
LAMP = {"name": "Lamp", "price": "12.50", "quantity": 2}
GUARD_SECONDS = 30.0
RUNAWAY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000000) "
    "SELECT count(*) FROM c"
)


def driver_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        for record in caplog.records
        if record.exc_info and record.exc_info[1] is not None
    ]


async def test_a_sqlite_write_behind_another_connections_lock_is_a_503_after_the_lock_timeout(
    tmp_path: Path, client_for: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    async with client_for(url, db_lock_timeout_seconds=0.2) as client:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.WARNING):
                async with asyncio.timeout(GUARD_SECONDS):
                    refused = await client.post(ITEMS, json=LAMP)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert any("database is locked" in error for error in driver_errors(caplog))
        # The lock gone, the same write goes through: nothing was left half-done.
        assert (await client.post(ITEMS, json=LAMP)).status_code == 201


async def test_a_sqlite_statement_past_the_statement_timeout_is_interrupted(
    tmp_path: Path,
) -> None:
    database = create_database(
        f"sqlite:///{tmp_path / 'slow.db'}", SQLITE, PoolSize(1, 1), TimeLimits(0.05, 1.0)
    )
    await database.connect()
    try:
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            await database.fetch_val(RUNAWAY)
        # The deadline is per statement: the next one has its own.
        assert await database.fetch_val("SELECT 1") == 1
    finally:
        await database.disconnect()


@pytest.mark.postgres
async def test_a_postgres_request_behind_a_table_lock_is_a_503_after_the_lock_timeout(
    migrated_postgres: str, client_for: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    holder = await asyncpg.connect(migrated_postgres)
    try:
        async with client_for(migrated_postgres, db_lock_timeout_seconds=0.2) as client:
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
            try:
                with caplog.at_level(logging.WARNING):
                    async with asyncio.timeout(GUARD_SECONDS):
                        written = await client.post(ITEMS, json=LAMP)
                        read = await client.get(ITEMS)
            finally:
                await transaction.rollback()
    finally:
        await holder.close()
    assert (written.status_code, read.status_code) == (503, 503)
    errors = driver_errors(caplog)
    assert errors
    assert all(error.startswith("LockNotAvailableError") for error in errors), errors


@pytest.mark.postgres
async def test_a_postgres_statement_past_the_statement_timeout_is_cancelled(
    migrated_postgres: str,
) -> None:
    database = create_database(migrated_postgres, POSTGRESQL, PoolSize(1, 1), TimeLimits(0.05, 1.0))
    await database.connect()
    try:
        with pytest.raises(asyncpg.QueryCanceledError, match="statement timeout"):
            await database.fetch_val("SELECT pg_sleep(5)")
        assert await database.fetch_val("SELECT 1") == 1
    finally:
        await database.disconnect()
