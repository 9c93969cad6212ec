"""The relay delivers published events to in-process handlers: in feed order, at least
once, retried, and parked for one handler without holding up the others.

Every test runs over each adapter of the event ports (memory, SQLite, PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from uuid import UUID

import attrs
import pytest
import stamina
from returns.future import FutureResult
from returns.io import IOSuccess
from returns.result import Failure, Success

from my_api.application.event_handlers import EVERY_TYPE, EventHandlers
from my_api.application.relay import Relay, RelayOptions, Replayed
from my_api.kernel.bells import CommitBell, FeedBell
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError, NotFound, Unavailable
from my_api.kernel.events import DomainEvent, Published
from my_api.kernel.handler_progress import Parked
from my_api.kernel.io_edge import performed
from tests.conftest import EventStore
from tests.event_samples import an_event, events

WITHIN_SECONDS = 10.0


def relay_over(store: EventStore, handlers: EventHandlers, batch: int = 100) -> Relay:
    options = RelayOptions(poll_seconds=0.02, batch=batch, attempts=3)
    return Relay(store.feed, store.progress, handlers, CommitBell(), FeedBell(), utc_now, options)


@attrs.define
class Recorder:
    """A handler that remembers the ids of the events it was called with."""

    seen: list[UUID] = attrs.Factory(list)
    _called: asyncio.Event = attrs.Factory(asyncio.Event)

    def __call__(self, published: Published) -> None:
        self.seen.append(published.event.id)
        self._called.set()

    async def until(self, count: int) -> None:
        """Until called ``count`` times, or ``WITHIN_SECONDS`` have passed (a failure)."""
        async with asyncio.timeout(WITHIN_SECONDS):
            while len(self.seen) < count:
                await self._called.wait()
                self._called.clear()


class Broken:
    """A handler that always raises, until ``fixed``; it counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.fixed = False
        self.handled: list[UUID] = []

    async def __call__(self, published: Published) -> None:
        self.calls += 1
        if not self.fixed:
            raise RuntimeError(f"cannot handle {published.event.type}")
        self.handled.append(published.event.id)


async def parked(store: EventStore) -> Sequence[Parked]:
    return performed(await store.progress.parked()).unwrap()


def ids(written: Sequence[DomainEvent]) -> list[UUID]:
    return [event.id for event in written]


async def test_a_handler_gets_every_event_of_its_type_in_feed_order(
    event_store: EventStore,
) -> None:
    created, placed = [an_event("item.created") for _ in range(3)], an_event("order.placed")
    await event_store.write([created[0], placed])
    await event_store.write(created[1:])
    recorder = Recorder()
    handlers = EventHandlers()
    handlers.subscribe("item.created", recorder, name="recorder")

    assert await relay_over(event_store, handlers).catch_up() == Success(None)

    assert recorder.seen == ids(created)
    assert await event_store.progress.position("recorder") == IOSuccess(4)


async def test_a_handler_subscribed_to_every_type_gets_everything_across_pages(
    event_store: EventStore,
) -> None:
    written = [an_event("item.created"), an_event("order.placed"), *events(5)]
    await event_store.write(written)
    recorder = Recorder()
    handlers = EventHandlers()
    handlers.subscribe(EVERY_TYPE, recorder, name="recorder")

    assert await relay_over(event_store, handlers, batch=2).catch_up() == Success(None)

    assert recorder.seen == ids(written)


async def test_sync_and_async_handlers_and_one_answering_a_result_all_get_the_events(
    event_store: EventStore,
) -> None:
    written = events(3)
    await event_store.write(written)
    seen: dict[str, list[UUID]] = {"sync": [], "async": [], "result": []}

    def sync(published: Published) -> None:
        seen["sync"].append(published.event.id)

    async def asynchronous(published: Published) -> None:
        await asyncio.sleep(0)
        seen["async"].append(published.event.id)

    def result(published: Published) -> FutureResult[None, AppError]:
        seen["result"].append(published.event.id)
        return FutureResult.from_value(None)

    handlers = EventHandlers()
    handlers.subscribe("item.updated", sync, name="sync")
    handlers.subscribe("item.updated", asynchronous, name="async")
    handlers.subscribe("item.updated", result, name="result")

    assert await relay_over(event_store, handlers).catch_up() == Success(None)

    assert seen == {"sync": ids(written), "async": ids(written), "result": ids(written)}
    assert await parked(event_store) == []


async def test_a_handler_that_fails_and_then_succeeds_within_its_attempts_is_not_parked(
    event_store: EventStore,
) -> None:
    (event,) = written = events(1)
    await event_store.write(written)
    calls: list[UUID] = []

    def flaky(published: Published) -> None:
        calls.append(published.event.id)
        if len(calls) < 3:
            raise ConnectionError("mail server busy")

    handlers = EventHandlers()
    handlers.subscribe("item.updated", flaky, name="flaky")

    with stamina.set_testing(True, attempts=3):
        assert await relay_over(event_store, handlers).catch_up() == Success(None)

    assert calls == [event.id] * 3
    assert await parked(event_store) == []


async def test_a_failing_handler_parks_its_events_and_blocks_no_other_handler(
    event_store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    written = [an_event("item.created"), an_event("order.placed"), an_event("item.created")]
    await event_store.write(written)
    recorder, broken = Recorder(), Broken()
    handlers = EventHandlers()
    handlers.subscribe(EVERY_TYPE, recorder, name="recorder")
    handlers.subscribe("item.created", broken, name="broken")

    with (
        stamina.set_testing(True, attempts=2),
        caplog.at_level(logging.WARNING, logger="my_api.application.relay"),
    ):
        assert await relay_over(event_store, handlers).catch_up() == Success(None)

    assert recorder.seen == ids(written)
    assert broken.calls == 4  # two attempts for each of its two events
    listed = await parked(event_store)
    assert [(one.handler, one.published.event.id) for one in listed] == [
        ("broken", written[0].id),
        ("broken", written[2].id),
    ]
    assert {one.error for one in listed} == {"RuntimeError: cannot handle item.created"}
    warnings = [
        record
        for record in caplog.records
        if record.name == "my_api.application.relay" and record.levelno == logging.WARNING
    ]
    assert [(r.__dict__["handler"], r.__dict__["event_id"]) for r in warnings] == [
        ("broken", str(written[0].id)),
        ("broken", str(written[2].id)),
    ]
    assert all("broken" in r.getMessage() and "item.created" in r.getMessage() for r in warnings)
    # Done with its events, parked or not: it goes on with new ones.
    assert await event_store.progress.position("broken") == IOSuccess(3)


async def test_a_handler_answering_a_failure_value_fails_like_one_that_raises(
    event_store: EventStore,
) -> None:
    await event_store.write(events(1))

    def refusing(_: Published) -> FutureResult[None, AppError]:
        return FutureResult.from_failure(Unavailable("mail"))

    handlers = EventHandlers()
    handlers.subscribe("item.updated", refusing, name="refusing")

    assert await relay_over(event_store, handlers).catch_up() == Success(None)

    (one,) = await parked(event_store)
    assert one.handler == "refusing"
    assert one.error.startswith("HandlerFailed: Unavailable(dependency='mail'")


async def test_a_replay_with_the_bug_fixed_runs_the_handler_and_unparks_the_event(
    event_store: EventStore,
) -> None:
    (event,) = written = events(1)
    await event_store.write(written)
    broken = Broken()
    handlers = EventHandlers()
    handlers.subscribe("item.updated", broken, name="broken")
    relay = relay_over(event_store, handlers)
    await relay.catch_up()
    assert [one.handler for one in await parked(event_store)] == ["broken"]

    broken.fixed = True
    assert await relay.replay(event.id) == Success([Replayed("broken", None)])

    assert broken.handled == [event.id]
    assert await parked(event_store) == []


async def test_a_replay_that_fails_again_stays_parked_with_the_new_error(
    event_store: EventStore,
) -> None:
    (event,) = written = events(1)
    await event_store.write(written)
    calls = 0

    def worse(_: Published) -> None:
        nonlocal calls
        calls += 1
        raise ValueError(f"failure {calls}")

    handlers = EventHandlers()
    handlers.subscribe("item.updated", worse, name="worse")
    relay = relay_over(event_store, handlers)
    await relay.catch_up()
    before = calls

    replayed = await relay.replay(event.id)

    assert calls == before + 1  # once: a replay is not retried
    assert replayed == Success([Replayed("worse", f"ValueError: failure {calls}")])
    (one,) = await parked(event_store)
    assert one.error == f"ValueError: failure {calls}"


async def test_replaying_an_event_nobody_parked_is_not_found(event_store: EventStore) -> None:
    unknown = new_id()
    replayed = await relay_over(event_store, EventHandlers()).replay(unknown)
    assert replayed == Failure(NotFound("parked event", str(unknown)))


async def test_a_parking_of_a_handler_not_subscribed_here_is_kept_and_reported(
    event_store: EventStore,
) -> None:
    (event,) = written = events(1)
    await event_store.write(written)
    (published,) = performed(await event_store.feed.publish_pending(10)).unwrap()
    await event_store.progress.park("elsewhere", published, "boom", utc_now())

    replayed = await relay_over(event_store, EventHandlers()).replay(event.id)

    assert replayed == Success([Replayed("elsewhere", "no handler of this name is subscribed")])
    assert [one.handler for one in await parked(event_store)] == ["elsewhere"]


async def test_a_new_relay_goes_on_from_each_handlers_stored_position(
    event_store: EventStore,
) -> None:
    first, later = events(2), events(2)
    recorder = Recorder()
    handlers = EventHandlers()
    handlers.subscribe("item.updated", recorder, name="recorder")
    await event_store.write(first)
    await relay_over(event_store, handlers).catch_up()

    await event_store.write(later)
    await relay_over(event_store, handlers).catch_up()

    assert recorder.seen == ids(first) + ids(later)


async def test_a_running_relay_delivers_new_commits_while_a_stuck_handler_waits(
    event_store: EventStore,
) -> None:
    released = asyncio.Event()
    recorder, stuck_calls = Recorder(), Recorder()

    async def stuck(published: Published) -> None:
        stuck_calls(published)
        await released.wait()

    handlers = EventHandlers()
    handlers.subscribe("item.updated", recorder, name="recorder")
    handlers.subscribe("item.updated", stuck, name="stuck")
    running = asyncio.create_task(relay_over(event_store, handlers).run())
    try:
        written = events(3)
        for event in written:
            await event_store.write([event])
        await recorder.until(3)
        await stuck_calls.until(1)

        assert recorder.seen == ids(written)
        assert stuck_calls.seen == ids(written[:1])  # still in its first call
        released.set()
        await stuck_calls.until(3)
        assert stuck_calls.seen == ids(written)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_two_relays_call_a_handler_once_per_event_and_never_at_once(
    event_store: EventStore,
) -> None:
    """The lease: the relay holding the handler's delivers; the other one stands by."""
    written = events(20)
    await event_store.write(written)
    calls: list[UUID] = []
    running = 0
    overlapped = False

    async def careful(published: Published) -> None:
        nonlocal running, overlapped
        running += 1
        overlapped = overlapped or running > 1
        await asyncio.sleep(0)  # room for the other relay to call it meanwhile
        calls.append(published.event.id)
        running -= 1

    handlers = EventHandlers()
    handlers.subscribe("item.updated", careful, name="careful")
    first, second = relay_over(event_store, handlers), relay_over(event_store, handlers)

    outcomes = await asyncio.gather(first.catch_up(), second.catch_up())

    assert list(outcomes) == [Success(None), Success(None)]
    assert calls == ids(written)
    assert not overlapped


async def test_a_relay_that_stopped_cleanly_hands_its_handlers_over_at_once(
    event_store: EventStore,
) -> None:
    seen: list[UUID] = []
    early_ones_seen = asyncio.Event()

    def record(published: Published) -> None:
        seen.append(published.event.id)
        if len(seen) == 2:
            early_ones_seen.set()

    handlers = EventHandlers()
    handlers.subscribe("item.updated", record, name="recorder")
    early, later = events(2), events(2)
    running = asyncio.create_task(relay_over(event_store, handlers).run())
    await event_store.write(early)
    async with asyncio.timeout(10):
        await early_ones_seen.wait()
    running.cancel()
    await asyncio.wait([running])

    await event_store.write(later)
    # Within the stopped relay's lease: only its release lets this one deliver.
    assert await relay_over(event_store, handlers).catch_up() == Success(None)

    # At least once: the stop may have come between a call and its position's move.
    assert list(dict.fromkeys(seen)) == ids(early) + ids(later)
