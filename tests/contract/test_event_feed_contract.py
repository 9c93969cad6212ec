"""The event ports' contract: one suite, every adapter (memory, SQLite, PostgreSQL).

``EventFeed`` numbers committed events in commit order and reads them back by
sequence; ``HandlerProgress`` keeps each handler's position (moved by
compare-and-set) and its parked events. The adapters must be
indistinguishable through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from returns.io import IOSuccess

from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.events import DomainEvent, Published
from my_api.kernel.handler_progress import MAX_ERROR_LENGTH, Parked
from my_api.kernel.io_edge import performed
from tests.conftest import EventStore
from tests.event_samples import an_event, events

# What advance and unpark answer: it happened, or there was nothing to do.
MOVED, STAYED = IOSuccess(True), IOSuccess(False)  # noqa: FBT003


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    return event_store


async def published(store: EventStore, limit: int = 100) -> Sequence[Published]:
    return performed(await store.feed.publish_pending(limit)).unwrap()


async def read(
    store: EventStore, after: int = 0, limit: int = 100, event_type: str | None = None
) -> Sequence[Published]:
    return performed(await store.feed.read(after, limit, event_type)).unwrap()


def sequences(page: Sequence[Published]) -> list[int]:
    return [one.sequence for one in page]


def ids(page: Sequence[Published]) -> list[UUID]:
    return [one.event.id for one in page]


# -- publishing ------------------------------------------------------------------------


async def test_an_empty_outbox_publishes_nothing_and_the_feed_is_empty(store: EventStore) -> None:
    assert await published(store) == []
    assert await read(store) == []


async def test_committed_events_are_numbered_from_1_in_commit_order(store: EventStore) -> None:
    first, second = events(2), events(1)
    await store.write(first)
    await store.write(second)

    numbered = await published(store)

    assert sequences(numbered) == [1, 2, 3]
    assert [one.event for one in numbered] == [*first, *second]


async def test_events_not_yet_published_are_not_in_the_feed(store: EventStore) -> None:
    await store.write(events(2))
    assert await read(store) == []
    await published(store)
    assert sequences(await read(store)) == [1, 2]


async def test_a_pass_takes_at_most_its_limit_oldest_first_and_the_next_continues(
    store: EventStore,
) -> None:
    written = events(5)
    await store.write(written)

    first = await published(store, limit=2)
    second = await published(store, limit=2)
    third = await published(store, limit=2)

    assert (sequences(first), sequences(second), sequences(third)) == ([1, 2], [3, 4], [5])
    assert ids([*first, *second, *third]) == [event.id for event in written]
    assert await published(store, limit=2) == []


async def test_an_event_is_published_once_however_many_passes_run(store: EventStore) -> None:
    await store.write(events(3))
    await published(store)
    await store.write(events(1))
    assert sequences(await published(store)) == [4]
    assert await published(store) == []
    assert sequences(await read(store)) == [1, 2, 3, 4]


async def test_a_published_event_reads_back_equal_to_what_was_written(store: EventStore) -> None:
    event = an_event(
        "order.placed", lines=[{"item": str(new_id()), "quantity": 2}], note="gift, ünïcode ✓"
    )
    await store.write([event])
    await published(store)

    (one,) = await read(store)

    assert one == Published(1, event)
    assert isinstance(one.event, DomainEvent)
    assert one.event.time.utcoffset() == timedelta(0)


# -- reading ---------------------------------------------------------------------------


async def test_read_returns_the_events_after_a_sequence_in_order_at_most_limit(
    store: EventStore,
) -> None:
    await store.write(events(5))
    await published(store)

    assert sequences(await read(store, after=0, limit=2)) == [1, 2]
    assert sequences(await read(store, after=2, limit=2)) == [3, 4]
    assert sequences(await read(store, after=4, limit=2)) == [5]
    assert await read(store, after=5, limit=2) == []
    assert await read(store, after=1000, limit=2) == []


async def test_read_filtered_by_type_returns_only_that_type_still_in_feed_order(
    store: EventStore,
) -> None:
    mixed = [an_event("item.created"), an_event("order.placed"), an_event("item.created")]
    await store.write(mixed)
    await published(store)

    created = await read(store, event_type="item.created")

    assert sequences(created) == [1, 3]
    assert sequences(await read(store, after=1, event_type="item.created")) == [3]
    assert sequences(await read(store, event_type="order.placed")) == [2]
    assert await read(store, event_type="order.cancelled") == []


# -- handler progress ------------------------------------------------------------------


async def test_a_handler_never_seen_is_at_0(store: EventStore) -> None:
    assert await store.progress.position("mailer") == IOSuccess(0)


async def test_advance_moves_a_handler_from_where_it_is(store: EventStore) -> None:
    assert await store.progress.advance("mailer", 0, 3) == MOVED
    assert await store.progress.advance("mailer", 3, 7) == MOVED
    assert await store.progress.position("mailer") == IOSuccess(7)


async def test_advance_from_a_stale_position_moves_nothing(store: EventStore) -> None:
    assert await store.progress.advance("mailer", 0, 3) == MOVED

    assert await store.progress.advance("mailer", 0, 5) == STAYED
    assert await store.progress.advance("mailer", 2, 5) == STAYED
    assert await store.progress.position("mailer") == IOSuccess(3)


async def test_a_first_advance_from_a_stale_position_moves_nothing(store: EventStore) -> None:
    assert await store.progress.advance("mailer", 4, 5) == STAYED
    assert await store.progress.position("mailer") == IOSuccess(0)


T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HELD, REFUSED = IOSuccess(True), IOSuccess(False)  # noqa: FBT003 - the port's answers


async def test_a_free_lease_is_taken_and_its_holder_renews_it(store: EventStore) -> None:
    assert await store.progress.lease("mailer", "relay-a", T0, T0 + MINUTE) == HELD
    later = T0 + MINUTE / 2
    assert await store.progress.lease("mailer", "relay-a", later, later + MINUTE) == HELD


async def test_a_lease_held_by_another_is_refused_until_it_lapses(store: EventStore) -> None:
    await store.progress.lease("mailer", "relay-a", T0, T0 + MINUTE)

    before = T0 + MINUTE / 2
    after = T0 + 2 * MINUTE
    assert await store.progress.lease("mailer", "relay-b", before, before + MINUTE) == REFUSED
    assert await store.progress.lease("mailer", "relay-b", after, after + MINUTE) == HELD
    assert await store.progress.lease("mailer", "relay-a", after, after + MINUTE) == REFUSED


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(
    store: EventStore,
) -> None:
    await store.progress.lease("mailer", "relay-a", T0, T0 + MINUTE)

    await store.progress.release("mailer", "relay-b")
    assert await store.progress.lease("mailer", "relay-b", T0, T0 + MINUTE) == REFUSED
    await store.progress.release("mailer", "relay-a")
    assert await store.progress.lease("mailer", "relay-b", T0, T0 + MINUTE) == HELD


async def test_leases_are_per_handler_and_keep_the_position(store: EventStore) -> None:
    assert await store.progress.advance("mailer", 0, 3) == MOVED
    assert await store.progress.lease("mailer", "relay-a", T0, T0 + MINUTE) == HELD
    assert await store.progress.lease("indexer", "relay-b", T0, T0 + MINUTE) == HELD
    assert await store.progress.position("mailer") == IOSuccess(3)
    assert await store.progress.position("indexer") == IOSuccess(0)


async def test_handlers_have_positions_of_their_own(store: EventStore) -> None:
    assert await store.progress.advance("mailer", 0, 3) == MOVED
    assert await store.progress.advance("indexer", 0, 1) == MOVED
    assert await store.progress.position("mailer") == IOSuccess(3)
    assert await store.progress.position("indexer") == IOSuccess(1)


# -- parking ---------------------------------------------------------------------------


async def two_published(store: EventStore) -> Sequence[Published]:
    await store.write(events(2))
    return await published(store)


async def parked(store: EventStore) -> Sequence[Parked]:
    return performed(await store.progress.parked()).unwrap()


async def test_nothing_is_parked_at_first(store: EventStore) -> None:
    assert await parked(store) == []


async def test_parked_events_are_listed_in_feed_order_then_by_handler(store: EventStore) -> None:
    first, second = await two_published(store)
    at = utc_now()
    for handler, event in [("mailer", second), ("mailer", first), ("indexer", first)]:
        assert await store.progress.park(handler, event, f"{handler} broke", at) == IOSuccess(None)

    assert await parked(store) == [
        Parked("indexer", first, "indexer broke", at),
        Parked("mailer", first, "mailer broke", at),
        Parked("mailer", second, "mailer broke", at),
    ]


async def test_parking_again_replaces_the_error_and_the_time(store: EventStore) -> None:
    first, _ = await two_published(store)
    at = utc_now()
    await store.progress.park("mailer", first, "timeout", at)
    await store.progress.park("mailer", first, "refused", at + timedelta(seconds=5))

    assert await parked(store) == [Parked("mailer", first, "refused", at + timedelta(seconds=5))]


async def test_a_long_error_is_cut_to_the_maximum(store: EventStore) -> None:
    first, _ = await two_published(store)
    await store.progress.park("mailer", first, "x" * (MAX_ERROR_LENGTH + 10), utc_now())

    (one,) = await parked(store)

    assert one.error == "x" * MAX_ERROR_LENGTH


async def test_the_parkings_of_one_event_are_found_by_its_id(store: EventStore) -> None:
    first, second = await two_published(store)
    at = utc_now()
    await store.progress.park("mailer", first, "e1", at)
    await store.progress.park("indexer", first, "e2", at)
    await store.progress.park("mailer", second, "e3", at)

    found = performed(await store.progress.parked_event(first.event.id)).unwrap()

    assert found == [Parked("indexer", first, "e2", at), Parked("mailer", first, "e1", at)]
    assert performed(await store.progress.parked_event(new_id())).unwrap() == []


async def test_unpark_forgets_one_parking_and_says_whether_there_was_one(
    store: EventStore,
) -> None:
    first, _ = await two_published(store)
    at = utc_now()
    await store.progress.park("mailer", first, "e1", at)
    await store.progress.park("indexer", first, "e2", at)

    assert await store.progress.unpark("mailer", first.event.id) == MOVED
    assert await store.progress.unpark("mailer", first.event.id) == STAYED
    assert await parked(store) == [Parked("indexer", first, "e2", at)]
