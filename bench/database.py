"""The benchmark database: created afresh, migrated by the service's own CLI, seeded by COPY."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

COLUMNS = (
    "id",
    "name",
    "description",
    "price",
    "quantity",
    "created_at",
    "updated_at",
    "version",
    "deleted_at",
)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def recreate(url: str) -> None:
    """Drop and create the database ``url`` names, through the server's ``postgres`` database."""
    name = url.rsplit("/", 1)[1]
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing an unusual database name: {name!r}")
    admin = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def migrate(bin_dir: Path, url: str) -> None:
    """Apply the service's migrations with its own CLI, as an operator would."""
    env = {**os.environ, "MY_API_DATABASE_URL": url}
    subprocess.run([str(bin_dir / "my-api"), "migrate"], env=env, check=True, capture_output=True)


async def seed(url: str, count: int) -> list[str]:
    """``count`` live items in one COPY, then VACUUM ANALYZE; returns their ids."""
    rng = random.Random(4)  # noqa: S311 - repeatable test data, not secrets
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for number in range(count):
        at = start + timedelta(seconds=number)
        records.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                f"item {number}",
                None if number % 2 else f"seeded item number {number}",
                Decimal(1 + rng.randrange(999_999)) / 100,
                rng.randrange(1000),
                at,
                at,
                1,
                None,
            )
        )
    connection = await asyncpg.connect(url)
    try:
        await connection.copy_records_to_table("items", records=records, columns=COLUMNS)
        await connection.execute("VACUUM ANALYZE items")
    finally:
        await connection.close()
    return [str(record[0]) for record in records]


BUSY = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
)


async def current_versions(url: str) -> list[tuple[str, int]]:
    """(id, version) of every live item, shuffled: what a client holding fresh ETags knows.

    Read once no other session on the database is busy: when wrk stops, the
    server still finishes the writes it had in flight, and reading before
    they commit would hand the next run stale ETags (412s).
    """
    connection = await asyncpg.connect(url)
    try:
        await _until_idle(connection)
        rows = await connection.fetch("SELECT id, version FROM items WHERE deleted_at IS NULL")
    finally:
        await connection.close()
    pairs = [(str(row["id"]), int(row["version"])) for row in rows]
    random.Random(7).shuffle(pairs)  # noqa: S311 - repeatable order, not secrets
    return pairs


UNPUBLISHED = "SELECT count(*) FROM events WHERE sequence IS NULL"
# Items whose stock the order scenario draws on, and how much each holds before it.
ORDER_POOL = 10_000
ORDER_STOCK = 1_000_000_000


async def stock_order_pool(url: str, ids: list[str]) -> None:
    """Give every item of the order scenario's pool ``ORDER_STOCK`` units (a write: version + 1).

    Run before the scenario, once no session is busy: the PATCH scenario sets
    quantities anywhere from 0, and orders must never be short of stock.
    """
    connection = await asyncpg.connect(url)
    try:
        await _until_idle(connection)
        await connection.execute(
            "UPDATE items SET quantity = $2, version = version + 1, updated_at = now() "
            "WHERE id = ANY($1::uuid[])",
            ids,
            ORDER_STOCK,
        )
    finally:
        await connection.close()


async def prepare_bare_outbox(url: str) -> None:
    """``bare_events``: the ``events`` table's twin (columns, identity, indexes) for bare.

    Bare writes its outbox rows there, with the same statement as the service
    but for the name: rows in ``events`` would be picked up by the service's
    relay, which would then spend the shared core numbering bare's events
    while bare is being measured, and carry a backlog into the service's runs.
    """
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE bare_events (LIKE events INCLUDING ALL)")
    finally:
        await connection.close()


async def last_sequence(url: str, seconds: float = 30) -> tuple[int, int]:
    """The feed's last sequence once the relay has published every outbox row, or after
    ``seconds``; with the number of rows still unpublished then (0 if it caught up).

    Read before following the feed from there: rows the relay has yet to number
    would reach the follower as old events of earlier runs.
    """
    connection = await asyncpg.connect(url)
    try:
        deadline = asyncio.get_running_loop().time() + seconds
        pending = await connection.fetchval(UNPUBLISHED)
        while pending and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            pending = await connection.fetchval(UNPUBLISHED)
        last = await connection.fetchval("SELECT last_sequence FROM event_feed")
        return int(last), int(pending)
    finally:
        await connection.close()


async def _until_idle(connection: asyncpg.Connection[Any]) -> None:
    for _ in range(100):
        if await connection.fetchval(BUSY) == 0:
            return
        await asyncio.sleep(0.05)


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
