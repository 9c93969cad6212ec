"""Items and orders as a model: any sequence of writes keeps stock honest and the feed whole.

A hypothesis state machine creates items, places and cancels orders, patches stock and
deletes items, through the command and query buses exactly as the HTTP router does, on
the in-memory adapter and on both databases. A plain model predicts each outcome
(success, or which failure) and what it does. After every step:

- **stock is conserved**: each item's initial stock plus the stock edits made since
  equals its current stock plus the units its placed orders hold;
- **stock is never negative**;
- **the feed holds exactly one event per committed change**, each once, numbered
  1..n without a gap, the last one of each aggregate at its current version.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import attrs
import databases
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from returns.result import Failure, Result, Success

from my_api.adapters.memory.event_feed import InMemoryEventFeed
from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.catalog import RESOURCES, SERVED_ITEMS
from my_api.application.handlers import handlers_for
from my_api.application.items import ITEM_TABLE, ItemInput
from my_api.application.orders import ORDERS, OrderInput, OrderLineInput
from my_api.application.use_cases import CrudUseCases
from my_api.bootstrap import build_container
from my_api.domain.item import Item
from my_api.domain.order import PLACED, Order
from my_api.kernel.bus import CommandBus, QueryBus
from my_api.kernel.clock import new_id
from my_api.kernel.errors import AppError, Conflict, InsufficientStock, InvalidInput, NotFound
from my_api.kernel.event_feed import EventFeed
from my_api.kernel.events import Published
from my_api.kernel.io_edge import performed
from my_api.kernel.member_command import NoInput
from my_api.kernel.preconditions import Expectation
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import Settings
from tests.conftest import ADAPTERS, _migrated

T = TypeVar("T")
T0 = datetime(2026, 3, 1, tzinfo=UTC)
TABLES = ("parked_events", "event_subscriptions", "events", "orders", "items")


@attrs.define
class Storage:
    """One adapter's unit of work and feed, and how to empty them between examples."""

    uow: UnitOfWork
    feed: EventFeed
    reset: Callable[[], Awaitable[Storage]]


def in_memory() -> Storage:
    uow = InMemoryUnitOfWork()

    async def fresh() -> Storage:
        return in_memory()

    return Storage(uow, InMemoryEventFeed(uow.outbox), fresh)


async def on_database(url: str) -> tuple[Storage, databases.Database]:
    container = build_container(Settings(database_url=url, relay=False, access_log=False))
    database = container[databases.Database]
    await database.connect()

    async def emptied() -> Storage:
        for table in TABLES:
            await database.execute(f"DELETE FROM {table}")
        await database.execute("UPDATE event_feed SET last_sequence = 0")
        return storage

    storage = Storage(container[SqlUnitOfWork], container[SqlEventFeed], emptied)

    return storage, database


class Clock:
    """Each write a microsecond after the last: ordered, reproducible times."""

    def __init__(self) -> None:
        self.ticks = 0

    def __call__(self) -> datetime:
        self.ticks += 1
        return T0.replace(microsecond=self.ticks % 1_000_000)


@attrs.define
class Expected:
    """What the model says of an outcome: success, or the kind of failure."""

    failure: type[Any] | None = None

    def check(self, outcome: Result[Any, AppError]) -> None:
        if self.failure is None:
            assert isinstance(outcome, Success), outcome
        else:
            assert isinstance(outcome, Failure), outcome
            assert isinstance(outcome.failure(), self.failure), outcome


@attrs.define
class ModelOrder:
    lines: dict[UUID, int]
    placed: bool = True


class OrdersAndItems(RuleBasedStateMachine):
    """The machine; ``storage`` and ``loop`` are given by the test that runs it."""

    storage: Storage
    loop: asyncio.AbstractEventLoop

    items = Bundle("items")
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.storage = self.run(self.storage.reset())
        clock = Clock()
        handlers = handlers_for(RESOURCES.all)
        commands = CommandBus(handlers.commands, self.storage.uow, clock, new_id)
        queries = QueryBus(handlers.queries, self.storage.uow)
        self.item_cases: CrudUseCases[Item, ItemInput] = CrudUseCases(
            SERVED_ITEMS, commands, queries
        )
        self.order_cases: CrudUseCases[Order, OrderInput] = CrudUseCases(ORDERS, commands, queries)
        # The model: stock, what the stock would be with no order placed, deletions,
        # orders, and how many events the committed changes owe the feed.
        self.stock: dict[UUID, int] = {}
        self.unordered_stock: dict[UUID, int] = {}
        self.deleted: set[UUID] = set()
        self.placed: dict[UUID, ModelOrder] = {}
        self.events = 0
        self.versions: Counter[UUID] = Counter()

    def run(self, work: Awaitable[T]) -> T:
        async def awaited() -> T:
            return await work

        coroutine: Coroutine[Any, Any, T] = awaited()
        return self.loop.run_until_complete(coroutine)

    def changed(self, aggregate: UUID) -> None:
        self.events += 1
        self.versions[aggregate] += 1

    # -- rules ---------------------------------------------------------------------------

    @rule(target=items, quantity=st.integers(0, 6))
    def create_item(self, quantity: int) -> UUID:
        dto = ItemInput(name="Thing", price=Decimal("2.50"), quantity=quantity)
        outcome = performed(self.run(self.item_cases.create(dto)))
        assert isinstance(outcome, Success), outcome
        item: Item = outcome.unwrap()
        item_id = item.id
        self.stock[item_id] = self.unordered_stock[item_id] = quantity
        self.changed(item_id)
        return item_id

    @rule(
        target=orders,
        # One line per item: a repeat is refused by the input's own rules, before any
        # use case (tests/e2e/test_orders.py).
        lines=st.lists(
            st.tuples(items, st.integers(1, 4)),
            min_size=1,
            max_size=3,
            unique_by=lambda line: line[0],
        ),
    )
    def place(self, lines: list[tuple[UUID, int]]) -> UUID | None:
        dto = OrderInput(lines=tuple(OrderLineInput(item_id=i, quantity=q) for i, q in lines))
        if self.deleted & {item_id for item_id, _ in lines}:
            expected = Expected(InvalidInput)
        elif any(q > self.stock[i] for i, q in lines):
            expected = Expected(InsufficientStock)
        else:
            expected = Expected()
        outcome = performed(self.run(self.order_cases.create(dto)))
        expected.check(outcome)
        if not isinstance(outcome, Success):
            return None
        order: Order = outcome.unwrap()
        order_id = order.id
        for item_id, quantity in lines:
            self.stock[item_id] -= quantity
            self.changed(item_id)
        self.placed[order_id] = ModelOrder(dict(lines))
        self.changed(order_id)
        return order_id

    @rule(order=orders)
    def cancel(self, order: UUID | None) -> None:
        if order is None:  # the placing failed: there is nothing to cancel
            return
        model = self.placed[order]
        expected = Expected() if model.placed else Expected(Conflict)
        outcome = performed(
            self.run(self.order_cases.run("cancel", order, NoInput(), Expectation.none()))
        )
        expected.check(outcome)
        if isinstance(outcome, Success):
            model.placed = False
            for item_id, quantity in model.lines.items():
                self.stock[item_id] += quantity
                self.changed(item_id)
            self.changed(order)

    @rule(item=items, quantity=st.integers(0, 6))
    def patch_stock(self, item: UUID, quantity: int) -> None:
        expected = Expected(NotFound) if item in self.deleted else Expected()
        outcome = performed(
            self.run(self.item_cases.patch(item, {"quantity": quantity}, Expectation.none()))
        )
        expected.check(outcome)
        if isinstance(outcome, Success) and quantity != self.stock[item]:
            self.unordered_stock[item] += quantity - self.stock[item]
            self.stock[item] = quantity
            self.changed(item)

    @rule(item=items)
    def delete(self, item: UUID) -> None:
        if item in self.deleted:
            expected = Expected(NotFound)
        elif self.units_held(item):
            expected = Expected(Conflict)
        else:
            expected = Expected()
        outcome = performed(self.run(self.item_cases.delete(item, Expectation.none())))
        expected.check(outcome)
        if isinstance(outcome, Success):
            self.deleted.add(item)
            self.changed(item)

    def units_held(self, item: UUID) -> int:
        return sum(o.lines.get(item, 0) for o in self.placed.values() if o.placed)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def stock_is_conserved_and_never_negative(self) -> None:
        stored = self.run(self.every_item())
        assert {item.id: item.quantity for item in stored} == self.stock
        for item in stored:
            assert item.quantity >= 0
            assert item.quantity + self.units_held(item.id) == self.unordered_stock[item.id]
            assert (item.deleted_at is not None) == (item.id in self.deleted)

    @invariant()
    def the_feed_holds_one_event_per_committed_change(self) -> None:
        feed = self.run(self.whole_feed())
        assert [published.sequence for published in feed] == list(range(1, self.events + 1))
        assert len({published.event.id for published in feed}) == self.events
        last_version = {p.event.aggregate_id: p.event.aggregate_version for p in feed}
        assert last_version == dict(self.versions)
        states = self.run(self.order_states())
        assert states == {o: PLACED if m.placed else "cancelled" for o, m in self.placed.items()}

    async def every_item(self) -> list[Item]:
        # Deleted items too: a cancelled order gives their units back.
        def read(item_id: UUID) -> Any:
            return self.storage.uow.reading(
                lambda s: s.repository(ITEM_TABLE).claim(item_id, include_deleted=True)
            )

        return [performed(await read(item_id)).unwrap() for item_id in self.stock]

    async def whole_feed(self) -> list[Published]:
        feed = self.storage.feed
        assert isinstance(performed(await feed.publish_pending(10_000)), Success)
        return list(performed(await feed.read(0, 10_000)).unwrap())

    async def order_states(self) -> dict[UUID, str]:
        states = {}
        for order_id in self.placed:
            order = performed(await self.order_cases.get(order_id)).unwrap()
            states[order_id] = order.status
        return states


def machine_on(storage: Storage, loop: asyncio.AbstractEventLoop) -> type[OrdersAndItems]:
    class OnThisStorage(OrdersAndItems):
        pass

    OnThisStorage.storage = storage
    OnThisStorage.loop = loop
    return OnThisStorage


@pytest.mark.parametrize("adapter_name", ADAPTERS)
def test_any_sequence_of_writes_conserves_stock_and_feeds_every_change_once(
    adapter_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    loop = asyncio.new_event_loop()
    database: databases.Database | None = None
    try:
        if adapter_name == "memory":
            storage = in_memory()
        else:
            if adapter_name == "sqlite":
                url = f"sqlite:///{tmp_path / 'machine.db'}"
                loop.run_until_complete(_migrated(Settings(database_url=url)))
            else:
                url = request.getfixturevalue("migrated_postgres")
            storage, database = loop.run_until_complete(on_database(url))
        examples = 100 if adapter_name == "memory" else 30
        run_state_machine_as_test(
            machine_on(storage, loop),
            settings=settings(
                max_examples=examples,
                stateful_step_count=20,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        if database is not None:
            loop.run_until_complete(database.disconnect())
        loop.close()
