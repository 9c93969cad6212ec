"""The feed's throughput: relay passes publishing a backlog, and a follower reading it.

Commits ``--events`` events through the service's unit of work (``--per-commit``
to a commit), then measures, in-process through the ports the service uses:

- publishing: relay passes of ``--batch`` until the backlog is empty (events/s);
- following: ``EventFeed.read`` pages of ``--page`` from the start (events/s).

SQLite in a temporary file by default; ``--url postgresql://...`` for an existing,
migrated or empty database (it is migrated, and its events tables are emptied).

Run: ``PYTHONPATH=src python3 bench/event_feed.py [--events 20000] [--url URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import databases
from returns.future import FutureResult

from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.migrations import MigrationRunner
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.bootstrap import build_container
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.io_edge import performed
from my_api.settings import Settings


def event() -> DomainEvent:
    aggregate = new_id()
    data = {"id": str(aggregate), "name": "Lamp", "price": "12.50", "quantity": 3, "version": 2}
    return DomainEvent(new_id(), "item.updated", "items", aggregate, 2, utc_now(), data)


async def measure(url: str, count: int, per_commit: int, batch: int, page: int) -> None:
    container = build_container(Settings(database_url=url))
    database = container[databases.Database]
    await database.connect()
    try:
        (await container[MigrationRunner].apply()).unwrap()
        for table in ("parked_events", "event_subscriptions", "events"):
            await database.execute(f"DELETE FROM {table}")
        await database.execute("UPDATE event_feed SET last_sequence = 0")
        uow, feed = container[SqlUnitOfWork], container[SqlEventFeed]
        for _ in range(count // per_commit):
            written = tuple(event() for _ in range(per_commit))
            await uow.atomically(lambda _, w=written: FutureResult.from_value(Emitted(None, w)))

        started = time.perf_counter()
        published = 0
        while numbered := performed(await feed.publish_pending(batch)).unwrap():
            published += len(numbered)
        seconds = time.perf_counter() - started
        print(f"publish: {published} events in passes of {batch}: {published / seconds:,.0f}/s")

        started, after, read = time.perf_counter(), 0, 0
        while events := performed(await feed.read(after, page)).unwrap():
            after, read = events[-1].sequence, read + len(events)
        seconds = time.perf_counter() - started
        print(f"follow:  {read} events in pages of {page}: {read / seconds:,.0f}/s")
    finally:
        await database.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--per-commit", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--url", help="a PostgreSQL URL; default: SQLite in a temporary file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.url or f"sqlite:///{Path(directory) / 'feed.db'}"
        asyncio.run(measure(url, args.events, args.per_commit, args.batch, args.page))


if __name__ == "__main__":
    main()
