"""Orders racing each other and item writes, on both databases, through the buses.

Every interleaving must end in one of the outcomes a serial order would give:
no deadlock (a 503), no stock given back twice, no item deleted while an order
holds it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any
from uuid import UUID

import databases
import pytest
from returns.result import Result, Success

from my_api.application.catalog import RESOURCES, SERVED_ITEMS
from my_api.application.handlers import handlers_for
from my_api.application.items import ItemInput
from my_api.application.orders import ORDERS, OrderInput, OrderLineInput
from my_api.application.use_cases import CrudUseCases
from my_api.domain.item import Item
from my_api.domain.order import Order
from my_api.kernel.bus import CommandBus, QueryBus
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError
from my_api.kernel.io_edge import performed
from my_api.kernel.member_command import NoInput
from my_api.kernel.preconditions import Expectation
from tests.conftest import sql_unit_of_work_on

Outcome = Result[Any, AppError]


class Shop:
    def __init__(self, database: databases.Database, url: str) -> None:
        uow = sql_unit_of_work_on(database, url, acquire_timeout=30.0)
        handlers = handlers_for(RESOURCES.all)
        commands = CommandBus(handlers.commands, uow, utc_now, new_id)
        queries = QueryBus(handlers.queries, uow)
        self.items: CrudUseCases[Item, ItemInput] = CrudUseCases(SERVED_ITEMS, commands, queries)
        self.orders: CrudUseCases[Order, OrderInput] = CrudUseCases(ORDERS, commands, queries)

    async def item(self, quantity: int) -> UUID:
        dto = ItemInput(name="Lamp", price=Decimal("1.00"), quantity=quantity)
        created: Item = performed(await self.items.create(dto)).unwrap()
        return created.id

    async def stock(self, item_id: UUID) -> int:
        item: Item = performed(await self.items.get(item_id)).unwrap()
        return item.quantity

    async def place(self, *item_ids: UUID) -> Outcome:
        lines = tuple(OrderLineInput(item_id=item_id, quantity=1) for item_id in item_ids)
        return performed(await self.orders.create(OrderInput(lines=lines)))

    async def cancel(self, order_id: UUID) -> Outcome:
        cancelled = self.orders.run("cancel", order_id, NoInput(), Expectation.none())
        return performed(await cancelled)

    async def delete(self, item_id: UUID) -> Outcome:
        return performed(await self.items.delete(item_id, Expectation.none()))


def kind(outcome: Outcome) -> str:
    return "ok" if isinstance(outcome, Success) else type(outcome.failure()).__name__


@pytest.fixture
def shop(database: databases.Database, database_url: str) -> Shop:
    return Shop(database, database_url)


async def test_orders_naming_the_same_items_in_opposite_orders_all_go_through(
    shop: Shop,
) -> None:
    lamp, desk = await shop.item(100), await shop.item(100)

    outcomes = await asyncio.gather(
        *(shop.place(*((lamp, desk) if n % 2 else (desk, lamp))) for n in range(20))
    )

    assert Counter(map(kind, outcomes)) == {"ok": 20}
    assert (await shop.stock(lamp), await shop.stock(desk)) == (80, 80)


async def test_of_concurrent_cancels_of_one_order_one_gives_the_stock_back(shop: Shop) -> None:
    lamp = await shop.item(5)
    order: Order = (await shop.place(lamp)).unwrap()

    outcomes = await asyncio.gather(*(shop.cancel(order.id) for _ in range(10)))

    assert Counter(map(kind, outcomes)) == {"ok": 1, "Conflict": 9}
    assert await shop.stock(lamp) == 5


async def test_a_delete_racing_an_order_of_the_item_never_both_succeed(shop: Shop) -> None:
    outcomes = []
    for _ in range(10):
        lamp = await shop.item(5)
        deleted, placed = await asyncio.gather(shop.delete(lamp), shop.place(lamp))
        outcomes.append((kind(deleted), kind(placed)))

    # Either the delete came first (the order names no live item: 422), or the order
    # did (the item is held: 409, or the delete lost its compare-and-set: 409).
    assert set(outcomes) <= {("ok", "InvalidInput"), ("Conflict", "ok")}
