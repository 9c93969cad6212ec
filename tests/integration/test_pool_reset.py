"""Releasing a pooled PostgreSQL connection is cheap, yet never hands out an open transaction."""

from __future__ import annotations

import databases
import pytest

from my_api.bootstrap import build_container
from my_api.settings import Settings

pytestmark = pytest.mark.postgres


async def test_a_connection_released_inside_a_transaction_comes_back_rolled_back(
    migrated_postgres: str,
) -> None:
    database = build_container(
        Settings(database_url=migrated_postgres, db_pool_min_size=1, db_pool_max_size=1)
    )[databases.Database]
    await database.connect()
    try:
        async with database.connection() as connection:
            raw = connection.raw_connection
            await raw.execute("BEGIN")
            await raw.execute("CREATE TEMP TABLE IF NOT EXISTS marker (x int)")
            await raw.execute("INSERT INTO marker VALUES (1)")
            # Released without COMMIT or ROLLBACK, as a cancelled request would be.
        async with database.connection() as connection:
            raw = connection.raw_connection
            assert not raw.is_in_transaction()
            # The same (only) pooled connection: the temp table never committed.
            exists = await raw.fetchval("SELECT to_regclass('pg_temp.marker') IS NOT NULL")
            assert exists is False
    finally:
        await database.disconnect()
