"""What one held connection costs per request: asyncpg's pool against ``databases``.

Runs acquire + one ``fetchrow`` + release in a loop four ways, with and
without a bounded acquire, and prints CPU and wall microseconds per round.
The difference between ``asyncpg pool`` and ``databases + asyncio.timeout``
is a floor under this service's per-request cost that no change inside the
service can remove (docs/performance.md, "The budget").

Run: ``python3 bench/connection_cost.py [--url postgresql://...] [--rounds 3000]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from environment import enter

SQL = "SELECT 1 WHERE $1::uuid IS NOT NULL"


async def _no_reset(_: Any) -> None:
    """As the service configures its pool: no reset query on release."""


async def measure(url: str, rounds: int) -> None:
    import asyncpg
    import databases

    database = databases.Database(url, min_size=2, max_size=10, reset=_no_reset)
    await database.connect()
    pool = await asyncpg.create_pool(url, min_size=2, max_size=10, reset=_no_reset)
    key = uuid.uuid4()

    async def via_pool() -> None:
        async with pool.acquire() as connection:
            await connection.fetchrow(SQL, key)

    async def via_pool_bounded() -> None:
        async with pool.acquire(timeout=5) as connection:
            await connection.fetchrow(SQL, key)

    async def via_databases() -> None:
        async with database.connection() as connection:
            await connection.raw_connection.fetchrow(SQL, key)

    async def via_databases_bounded() -> None:  # what SqlUnitOfWork does
        connection = database.connection()
        async with asyncio.timeout(5):
            await connection.__aenter__()
        try:
            await connection.raw_connection.fetchrow(SQL, key)
        finally:
            await connection.__aexit__(None, None, None)

    ways: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("asyncpg pool", via_pool),
        ("asyncpg pool, acquire(timeout=)", via_pool_bounded),
        ("databases", via_databases),
        ("databases + asyncio.timeout", via_databases_bounded),
    ]
    print("| way | CPU us/round | wall us/round |\n|---|--:|--:|")
    try:
        for name, way in ways:
            for _ in range(rounds // 10):
                await way()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(rounds):
                await way()
            cpu_us = (time.process_time() - cpu) / rounds * 1e6
            wall_us = (time.perf_counter() - wall) / rounds * 1e6
            print(f"| {name} | {cpu_us:.1f} | {wall_us:.1f} |")
    finally:
        await database.disconnect()
        await pool.close()


def main() -> None:
    enter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=3000)
    args = parser.parse_args()
    import uvloop

    uvloop.install()
    asyncio.run(measure(args.url, args.rounds))


if __name__ == "__main__":
    main()
