"""``GET /api/v1/events`` through the real app, its relay running in the lifespan, on
both databases: CloudEvents fields, paging by ``next_after``, the type filter, 400s,
long polls and the ``events:read`` scope (docs/events.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from uuid import UUID

import attrs
import httpx2
import pytest
from lagom import Container
from returns.future import FutureResult
from returns.io import IOSuccess

from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.event_handlers import EventHandlers
from my_api.bootstrap import provides
from my_api.kernel.errors import AppError, Unavailable
from my_api.kernel.event_feed import EventFeed
from my_api.kernel.events import DomainEvent, Emitted, Published
from my_api.settings import AuthMode
from tests.conftest import ClientFactory
from tests.e2e.test_authentication import assert_forbidden, assert_unauthenticated, bearer, new_key
from tests.event_samples import an_event, events

EVENTS = "/api/v1/events"
# A bound on how long a request may take before the test fails; never a measurement.
WITHIN_SECONDS = 10.0


@attrs.frozen
class Served:
    client: httpx2.AsyncClient
    container: Container

    async def commit(self, written: Sequence[DomainEvent]) -> None:
        """One unit of work storing ``written``, in the app's own unit of work."""
        done = await self.container[SqlUnitOfWork].atomically(
            lambda _: FutureResult.from_value(Emitted(None, tuple(written)))
        )
        assert done == IOSuccess(None)

    async def feed(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get(EVENTS, params=params)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def published(self, count: int, **params: Any) -> list[dict[str, Any]]:
        """Every event of the feed once ``count`` are there (the relay publishes them)."""
        async with asyncio.timeout(WITHIN_SECONDS):
            while True:
                page = await self.feed(limit=1000, wait=5, **params)
                if len(page["events"]) >= count:
                    found: list[dict[str, Any]] = page["events"]
                    return found


async def serving(
    client_for: ClientFactory,
    url: str,
    prepare: Callable[[Container], None] = lambda _: None,
    **settings: Any,
) -> AsyncIterator[Served]:
    """The app on ``url``, its container first given to ``prepare`` (to subscribe handlers)."""
    containers: list[Container] = []

    def keep(container: Container) -> None:
        prepare(container)
        containers.append(container)

    async with client_for(url, keep, **settings) as client:
        yield Served(client, containers[0])


@pytest.fixture
async def served(database_url: str, client_for: ClientFactory) -> AsyncIterator[Served]:
    async for one in serving(client_for, database_url, relay_poll_seconds=0.05):
        yield one


# -- the events ------------------------------------------------------------------------


async def test_each_event_is_a_cloudevent_with_every_field_and_its_sequence(
    served: Served,
) -> None:
    event = an_event("item.updated", id="x", name="Lamp", price="12.50", version=2)
    await served.commit([event])

    (cloud,) = await served.published(1)

    assert cloud == {
        "specversion": "1.0",
        "id": str(event.id),
        "type": "my_api.item.updated.v1",
        "source": "/api/v1/items",
        "subject": str(event.aggregate_id),
        "time": event.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "datacontenttype": "application/json",
        "data": {"id": "x", "name": "Lamp", "price": "12.50", "version": 2},
        "sequence": "1",
    }


async def test_a_follower_passing_next_after_back_sees_each_event_once_in_order(
    served: Served,
) -> None:
    written = events(5)
    await served.commit(written[:2])
    await served.commit(written[2:])
    await served.published(5)

    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = await served.feed(limit=2, **({} if after is None else {"after": after}))
        pages.append([one["sequence"] for one in page["events"]])
        seen += [one["id"] for one in page["events"]]
        if not page["events"]:
            assert page["next_after"] == after
            break
        after = page["next_after"]

    assert seen == [str(event.id) for event in written]
    assert pages == [["1", "2"], ["3", "4"], ["5"], []]


async def test_an_empty_feed_answers_an_empty_page_from_the_start(served: Served) -> None:
    assert await served.feed() == {"events": [], "next_after": "0"}
    assert await served.feed(after=41) == {"events": [], "next_after": "41"}


async def test_the_type_filter_takes_the_full_cloudevents_type(served: Served) -> None:
    written = [an_event("item.created"), an_event("order.placed"), an_event("item.created")]
    await served.commit(written)
    await served.published(3)

    page = await served.feed(type="my_api.order.placed.v1")

    assert [one["id"] for one in page["events"]] == [str(written[1].id)]
    assert page["next_after"] == "2"
    assert await served.feed(type="my_api.order.cancelled.v1") == {
        "events": [],
        "next_after": "0",
    }


# -- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("after=-1", "after", "out_of_range"),
        ("after=abc", "after", "out_of_range"),
        ("after=9223372036854775808", "after", "out_of_range"),
        ("after=1.5", "after", "out_of_range"),
        ("limit=0", "limit", "out_of_range"),
        ("limit=1001", "limit", "out_of_range"),
        ("limit=ten", "limit", "out_of_range"),
        ("wait=31", "wait", "out_of_range"),
        ("wait=-1", "wait", "out_of_range"),
        ("wait=soon", "wait", "out_of_range"),
        ("type=item.updated", "type", "invalid_event_type"),
        ("type=my_api.item.updated.v2", "type", "invalid_event_type"),
        ("colour=red", "colour", "unknown_parameter"),
        ("after=1&after=2", "after", "repeated_parameter"),
    ],
)
async def test_a_bad_parameter_is_a_400_naming_it(
    served: Served, query: str, field: str, code: str
) -> None:
    response = await served.client.get(f"{EVENTS}?{query}")

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/malformed-request"
    assert [(error["field"], error["code"]) for error in problem["errors"]] == [(field, code)]


async def test_the_bounds_themselves_are_accepted(served: Served) -> None:
    for query in ("limit=1", "limit=1000", "wait=0", "after=9223372036854775807"):
        response = await served.client.get(f"{EVENTS}?{query}")
        assert response.status_code == 200, (query, response.text)


# -- long polls ------------------------------------------------------------------------


async def test_a_long_poll_answers_as_soon_as_an_event_is_published(
    database_url: str, client_for: ClientFactory
) -> None:
    # Polling so rare it cannot be what answers: the commit bell wakes the relay, and the
    # relay's publication wakes the poll.
    async for served in serving(client_for, database_url, relay_poll_seconds=60):
        polling = asyncio.create_task(served.client.get(EVENTS, params={"wait": 30}))
        await asyncio.sleep(0.1)  # the poll is waiting (else it answers at its first read)
        assert not polling.done()
        event = an_event()
        await served.commit([event])

        async with asyncio.timeout(WITHIN_SECONDS):
            response = await polling

        assert [one["id"] for one in response.json()["events"]] == [str(event.id)]


async def test_a_long_poll_with_nothing_published_answers_empty_after_its_wait(
    served: Served,
) -> None:
    async with asyncio.timeout(WITHIN_SECONDS):
        page = await served.feed(wait=0.2, after=7)
    assert page == {"events": [], "next_after": "7"}


async def test_a_long_poll_returns_at_once_when_events_are_there(served: Served) -> None:
    await served.commit(events(2))
    await served.published(2)
    async with asyncio.timeout(WITHIN_SECONDS):
        page = await served.feed(wait=30, after=1)
    assert [one["sequence"] for one in page["events"]] == ["2"]


# -- authentication --------------------------------------------------------------------


async def test_the_feed_needs_a_credential_with_events_read(
    database_url: str, client_for: ClientFactory
) -> None:
    _, reader = await new_key(database_url, "events:read")
    _, other = await new_key(database_url, "items:read")
    async with client_for(database_url, auth=AuthMode.API_KEYS) as client:
        assert_unauthenticated(await client.get(EVENTS), invalid=False)
        assert_unauthenticated(await client.get(EVENTS, headers=bearer("nope")), invalid=True)
        assert_forbidden(await client.get(EVENTS, headers=bearer(other)), "events:read")
        allowed = await client.get(EVENTS, headers=bearer(reader))
        assert allowed.status_code == 200, allowed.text
        assert allowed.json() == {"events": [], "next_after": "0"}


# -- the relay in the lifespan ---------------------------------------------------------


async def test_handlers_subscribed_on_the_container_run_in_the_services_relay(
    database_url: str, client_for: ClientFactory
) -> None:
    handled: list[UUID] = []
    both = asyncio.Event()

    def record(published: Published) -> None:
        handled.append(published.event.id)
        if len(handled) == 2:
            both.set()

    def subscribe(container: Container) -> None:
        container[EventHandlers].subscribe("item.updated", record, name="recorder")

    async for served in serving(client_for, database_url, subscribe, relay_poll_seconds=60):
        written = events(2)
        await served.commit(written)
        async with asyncio.timeout(WITHIN_SECONDS):
            await both.wait()
        assert handled == [event.id for event in written]


async def test_with_the_relay_off_the_service_publishes_nothing(
    database_url: str, client_for: ClientFactory
) -> None:
    async for served in serving(client_for, database_url, relay=False):
        await served.commit(events(1))
        # A relay would publish at once (the commit rings it); none does in this wait.
        assert await served.feed(wait=0.3) == {"events": [], "next_after": "0"}


# -- the feed's store down -------------------------------------------------------------


class _FeedDown:
    """The feed's store failing as an unreachable database does, whatever is asked."""

    def publish_pending(
        self,
        limit: int,  # noqa: ARG002 - the port's shape
    ) -> FutureResult[Sequence[Published], AppError]:
        return FutureResult.from_failure(Unavailable("database"))

    def read(
        self,
        after: int,  # noqa: ARG002 - the port's shape
        limit: int,  # noqa: ARG002
        event_type: str | None = None,  # noqa: ARG002
    ) -> FutureResult[Sequence[Published], AppError]:
        return FutureResult.from_failure(Unavailable("database"))


def _feed_down(_: Container) -> EventFeed:
    return _FeedDown()


async def test_with_the_feed_unreachable_a_read_is_a_503_problem(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, lambda c: provides(c)(_feed_down), relay=False) as client:
        response = await client.get(EVENTS, params={"after": "0", "wait": "1"})

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unavailable"
    assert response.headers["retry-after"] == "1"
