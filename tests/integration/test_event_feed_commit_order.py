"""The feed is in commit order under concurrency: many writers committing (some rolling
back after writing their events), two relays publishing at once, and a follower paging
through ``GET /api/v1/events`` with ``next_after`` all the while. The follower sees every
committed event exactly once, sequences 1, 2, 3, ... without a gap, and nothing of a
rolled-back write (docs/events.md#why-the-feed-is-in-commit-order).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any, cast

import databases
import httpx2
from returns.future import FutureResult
from returns.io import IOFailure, IOSuccess
from returns.result import Result, Success

from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.outbox import SqlOutbox
from my_api.adapters.sql.unit_of_work import SqlSession, SqlUnitOfWork
from my_api.bootstrap import build_container
from my_api.kernel.errors import AppError, Conflict
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.unit_of_work import Session
from my_api.settings import Settings
from tests.conftest import ClientFactory
from tests.event_samples import events

WRITERS = 20
COMMITS_EACH = 10
ROLLED_BACK = Conflict("rolled back on purpose, after writing its events")


async def lingering(value: Emitted[None]) -> Result[Emitted[None], AppError]:
    # Held open a little while others commit: writing order is then not commit order.
    await asyncio.sleep(random.uniform(0, 0.004))  # noqa: S311 - scheduling noise, not secrets
    return Success(value)


async def write(
    uow: SqlUnitOfWork, dialect: Dialect, batch: Sequence[DomainEvent], *, roll_back: bool
) -> None:
    def work(session: Session) -> FutureResult[Emitted[None], AppError]:
        if roll_back:
            # The events reach the outbox table in this transaction, then it rolls back.
            statements = cast(SqlSession, session).statements
            inserted = SqlOutbox(dialect).append(statements, batch)
            return inserted.bind(lambda _: FutureResult.from_failure(ROLLED_BACK))
        return FutureResult(lingering(Emitted(None, tuple(batch))))

    outcome = await uow.atomically(work)
    assert outcome == (IOFailure(ROLLED_BACK) if roll_back else IOSuccess(None))


async def writer(uow: SqlUnitOfWork, dialect: Dialect, number: int) -> list[DomainEvent]:
    committed: list[DomainEvent] = []
    for commit in range(COMMITS_EACH):
        batch = events(1 + (number + commit) % 3)
        roll_back = (number + commit) % 4 == 0
        await write(uow, dialect, batch, roll_back=roll_back)
        if not roll_back:
            committed += batch
    return committed


async def relaying(feed: SqlEventFeed, writers_done: asyncio.Event) -> int:
    """Passes of 7 until the writers are done and nothing is left; how many it published."""
    count = 0
    while True:
        finished = writers_done.is_set()
        page = performed(await feed.publish_pending(7)).unwrap()
        count += len(page)
        if finished and not page:
            return count
        await asyncio.sleep(random.uniform(0, 0.002))  # noqa: S311 - interleaving, as above


async def following(client: httpx2.AsyncClient, relays_done: asyncio.Event) -> list[Any]:
    """Page with ``next_after`` until an empty page read after the relays finished."""
    seen: list[Any] = []
    after = "0"
    while True:
        finished = relays_done.is_set()
        response = await client.get("/api/v1/events", params={"after": after, "limit": 13})
        assert response.status_code == 200, response.text
        page = response.json()
        sequences = [int(one["sequence"]) for one in page["events"]]
        # Never a gap, even in the middle of the run: k + 1 only once k is visible.
        assert sequences == list(range(int(after) + 1, int(after) + 1 + len(sequences)))
        seen += page["events"]
        after = page["next_after"]
        if finished and not page["events"]:
            return seen
        await asyncio.sleep(0)


async def connected(url: str, **settings: Any) -> tuple[databases.Database, SqlUnitOfWork]:
    container = build_container(Settings(database_url=url, **settings))
    database = container[databases.Database]
    await database.connect()
    return database, container[SqlUnitOfWork]


async def test_a_follower_sees_every_committed_event_once_in_commit_order(
    database_url: str, client_for: ClientFactory
) -> None:
    writing_db, uow = await connected(database_url, db_pool_max_size=WRITERS + 2)
    relay_dbs = [(await connected(database_url))[0] for _ in range(2)]
    container = build_container(Settings(database_url=database_url))
    dialect = container[Dialect]
    writers_done, relays_done = asyncio.Event(), asyncio.Event()
    try:
        async with client_for(database_url, relay=False) as client, asyncio.TaskGroup() as tasks:
            # In a task group: one that fails cancels the others, and the test fails with it.
            follower = tasks.create_task(following(client, relays_done))
            relays = []
            for database in relay_dbs:
                relay_container = container.clone()
                relay_container[databases.Database] = database
                relay_feed = relay_container[SqlEventFeed]
                relays.append(tasks.create_task(relaying(relay_feed, writers_done)))
            written = await asyncio.gather(*(writer(uow, dialect, n) for n in range(WRITERS)))
            writers_done.set()
            published = await asyncio.gather(*relays)
            relays_done.set()
            seen = await follower
    finally:
        for database in [writing_db, *relay_dbs]:
            await database.disconnect()

    committed = [event for events_of_one in written for event in events_of_one]
    assert len(committed) > WRITERS * COMMITS_EACH  # most commits hold more than one event
    assert sum(published) == len(committed)
    assert all(count > 0 for count in published)  # both relays took part
    assert [int(one["sequence"]) for one in seen] == list(range(1, len(committed) + 1))
    assert sorted(one["id"] for one in seen) == sorted(str(event.id) for event in committed)
