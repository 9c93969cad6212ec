"""Concurrent orders never oversell, on either database.

Fifty units of work each place an order of one unit of an item that holds ten,
all at once, each on its own connection. Claiming the item serialises the
reservations (PostgreSQL: a row lock; SQLite: the one write lock), so exactly
ten succeed, the forty others are refused with ``InsufficientStock``, and the
item ends at zero with one version per successful order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import databases
from returns.result import Result, Success

from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.items import ITEM_TABLE
from my_api.application.messages import CreateEntity
from my_api.application.orders import ORDER_TABLE, OrderInput, OrderLineInput, place
from my_api.domain.item import Item
from my_api.domain.order import Order
from my_api.kernel.bus import Writing
from my_api.kernel.clock import new_id
from my_api.kernel.errors import AppError, InsufficientStock
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.sorting import Sort
from tests.conftest import sql_unit_of_work_on

ORDERS = 50
STOCK = 10
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def an_item() -> Item:
    return Item(
        id=new_id(),
        name="Lamp",
        description=None,
        price=Decimal("3.50"),
        quantity=STOCK,
        created_at=NOW,
        updated_at=NOW,
    )


async def place_one_unit(uow: SqlUnitOfWork, item: Item) -> Result[Order, AppError]:
    message: CreateEntity[Order, OrderInput] = CreateEntity(
        "orders", OrderInput(lines=(OrderLineInput(item_id=item.id, quantity=1),))
    )
    return performed(
        await uow.atomically(lambda session: place(message.input, Writing(session, NOW, new_id)))
    )


def outcome_kind(outcome: Result[Order, AppError]) -> str:
    if isinstance(outcome, Success):
        return "placed"
    error = outcome.failure()
    return "short" if isinstance(error, InsufficientStock) else f"other: {error!r}"


async def test_fifty_concurrent_orders_of_one_unit_sell_exactly_the_ten_in_stock(
    database: databases.Database, database_url: str
) -> None:
    uow = sql_unit_of_work_on(
        database, database_url, acquire_timeout=30.0, tables=(ITEM_TABLE, ORDER_TABLE)
    )
    item = an_item()
    added = await uow.atomically(lambda s: s.repository(ITEM_TABLE).add(item).map(Emitted))
    assert performed(added) == Success(item)

    outcomes = await asyncio.gather(*(place_one_unit(uow, item) for _ in range(ORDERS)))

    assert Counter(map(outcome_kind, outcomes)) == {"placed": STOCK, "short": ORDERS - STOCK}
    final = performed(await uow.reading(lambda s: s.repository(ITEM_TABLE).get(item.id)))
    assert final.map(lambda sold: (sold.quantity, sold.version)) == Success((0, 1 + STOCK))
    stored = performed(
        await uow.reading(lambda s: s.repository(ORDER_TABLE).list(None, Sort(()), limit=100))
    )
    placed = {outcome.unwrap() for outcome in outcomes if isinstance(outcome, Success)}
    assert stored.map(set) == Success(placed)
