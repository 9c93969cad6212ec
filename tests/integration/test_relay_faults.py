"""A relay that dies or fails in the middle of a pass publishes nothing; the next pass
publishes every event once. A handler interrupted after its work but before its
position moved gets the event again (at least once), and deduplicating by the event's
id gives each event once. On both databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import databases
import pytest
from lagom import Container
from returns.future import FutureResult
from returns.io import IOFailure, IOSuccess
from returns.result import Failure, Success

from my_api.adapters.sql.connections import (
    Connections,
    DatabaseConnections,
    HeldConnection,
    Transaction,
)
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.adapters.sql.handler_progress import SqlHandlerProgress
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.event_handlers import EventHandlers
from my_api.application.relay import Relay, RelayOptions
from my_api.bootstrap import build_container
from my_api.kernel.bells import CommitBell, FeedBell
from my_api.kernel.clock import Clock, utc_now
from my_api.kernel.errors import Unavailable
from my_api.kernel.events import DomainEvent, Emitted, Published
from my_api.kernel.io_edge import performed
from my_api.settings import Settings
from tests.event_samples import events

# The statement a pass sends after numbering the rows and before COMMIT.
RECORDING = "UPDATE event_feed SET last_sequence = "

Interference = Callable[[], Awaitable[None]]


class _Statements:
    """The held connection's statements; ``interfere`` runs before any starting with ``prefix``."""

    def __init__(self, inner: SqlExecutor, prefix: str, interfere: Interference) -> None:
        self._inner = inner
        self._prefix = prefix
        self._interfere = interfere

    async def _before(self, sql: str) -> None:
        if sql.startswith(self._prefix):
            await self._interfere()

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        await self._before(sql)
        return await self._inner.fetch_one(sql, args)

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        await self._before(sql)
        return await self._inner.fetch_all(sql, args)

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._before(sql)
        await self._inner.execute(sql, args)


class _Held:
    def __init__(self, inner: HeldConnection, prefix: str, interfere: Interference) -> None:
        self._inner = inner
        self.statements = _Statements(inner.statements, prefix, interfere)

    def transaction(self, *, snapshot: bool) -> Transaction:
        return self._inner.transaction(snapshot=snapshot)


class Interfering:
    """``Connections`` whose statements starting with ``prefix`` meet ``interfere`` first."""

    def __init__(self, inner: Connections, prefix: str, interfere: Interference) -> None:
        self._inner = inner
        self._prefix = prefix
        self._interfere = interfere

    @asynccontextmanager
    async def hold(self, *, writing: bool = False) -> AsyncIterator[HeldConnection]:
        async with self._inner.hold(writing=writing) as held:
            yield _Held(held, self._prefix, self._interfere)


class Parts:
    """The SQL event ports on one connected database, the unit of work that writes events,
    and what the tests read back directly.
    """

    def __init__(self, container: Container) -> None:
        self.database = container[databases.Database]
        self.uow = container[SqlUnitOfWork]
        self.dialect = container[Dialect]
        self.connections: Connections = container[DatabaseConnections]
        self.feed = SqlEventFeed(self.connections, self.dialect)
        self.progress = SqlHandlerProgress(self.connections, self.dialect)

    async def commit(self, written: Sequence[DomainEvent]) -> None:
        done = await self.uow.atomically(
            lambda _: FutureResult.from_value(Emitted(None, tuple(written)))
        )
        assert done == IOSuccess(None)

    async def unpublished(self) -> int:
        count = await self.database.fetch_val("SELECT count(*) FROM events WHERE sequence IS NULL")
        return int(count)

    async def last_sequence(self) -> int:
        return int(await self.database.fetch_val("SELECT last_sequence FROM event_feed"))


@pytest.fixture
async def parts(database_url: str) -> AsyncIterator[Parts]:
    container = build_container(Settings(database_url=database_url))
    database = container[databases.Database]
    await database.connect()
    try:
        yield Parts(container)
    finally:
        await database.disconnect()


async def test_a_relay_cancelled_before_its_pass_commits_publishes_nothing(parts: Parts) -> None:
    written = events(3)
    await parts.commit(written)
    reached, never = asyncio.Event(), asyncio.Event()

    async def stall() -> None:
        reached.set()
        await never.wait()

    stalling = SqlEventFeed(Interfering(parts.connections, RECORDING, stall), parts.dialect)
    dying = asyncio.create_task(performed_pass(stalling))
    await reached.wait()  # the rows are numbered in its transaction, not yet committed
    dying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await dying

    assert performed(await parts.feed.read(0, 100)).unwrap() == []
    assert await parts.unpublished() == 3
    assert await parts.last_sequence() == 0

    restarted = performed(await parts.feed.publish_pending(100)).unwrap()

    assert [(one.sequence, one.event) for one in restarted] == list(enumerate(written, start=1))
    assert performed(await parts.feed.publish_pending(100)).unwrap() == []
    assert await parts.unpublished() == 0


async def performed_pass(feed: SqlEventFeed) -> Sequence[Published]:
    return performed(await feed.publish_pending(100)).unwrap()


async def test_a_pass_whose_transaction_fails_publishes_nothing_and_the_next_publishes_all(
    parts: Parts,
) -> None:
    written = events(2)
    await parts.commit(written)

    async def lose_the_connection() -> None:
        raise ConnectionResetError("the server closed the connection")

    failing = SqlEventFeed(
        Interfering(parts.connections, RECORDING, lose_the_connection), parts.dialect
    )

    assert await failing.publish_pending(100) == IOFailure(Unavailable("database"))
    assert await parts.unpublished() == 2
    assert await parts.last_sequence() == 0
    published = performed(await parts.feed.publish_pending(100)).unwrap()
    assert [one.event for one in published] == written
    assert [one.sequence for one in published] == [1, 2]


async def test_a_handler_interrupted_before_its_position_moved_gets_the_event_again(
    parts: Parts,
) -> None:
    written = events(3)
    await parts.commit(written)
    calls: list[UUID] = []
    handled: set[UUID] = set()

    def idempotent(published: Published) -> None:
        calls.append(published.event.id)
        handled.add(published.event.id)  # deduplicated by the event's id

    handlers = EventHandlers()
    handlers.subscribe("item.updated", idempotent, name="idempotent")

    async def crash() -> None:
        raise ConnectionResetError("the relay's connection died")

    # The first relay's progress writes fail, as if it died right after each handler call.
    dying_progress = SqlHandlerProgress(
        Interfering(parts.connections, "UPDATE event_subscriptions", crash), parts.dialect
    )
    dying = relay(parts, dying_progress, handlers)
    assert await dying.catch_up() == Failure(Unavailable("database"))
    assert calls == [written[0].id]

    # Restarted once the dead relay's lease has lapsed (it could not give it up).
    restarted = relay(parts, parts.progress, handlers, clock=lambda: utc_now() + LAPSED)
    assert await restarted.catch_up() == Success(None)

    assert calls == [written[0].id, *(event.id for event in written)]  # the first one twice
    assert handled == {event.id for event in written}


def relay(
    parts: Parts,
    progress: SqlHandlerProgress,
    handlers: EventHandlers,
    clock: Clock = utc_now,
) -> Relay:
    options = RelayOptions(poll_seconds=0.02)
    return Relay(parts.feed, progress, handlers, CommitBell(), FeedBell(), clock, options)


# Past any lease a relay of ``relay`` takes (RelayOptions.lease_seconds).
LAPSED = timedelta(seconds=RelayOptions().lease_seconds + 1)
