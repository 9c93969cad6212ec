"""Laws of placing orders, for any lines and items (on the in-memory unit of work).

- The total is exactly the sum of ``unit_price x quantity``: checked against
  arithmetic in integer cents, which shares nothing with ``Decimal``'s context.
- Placing is all or nothing: when it fails, every item and the orders are as they
  were; when it succeeds, each item lost exactly its line's units, once.
- Its events are one ``item.updated`` per item it changed, then one ``order.placed``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from hypothesis import event, given, settings
from hypothesis import strategies as st
from returns.result import Success

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.items import ITEM_TABLE
from my_api.application.messages import CreateEntity
from my_api.application.orders import ORDER_TABLE, OrderInput, OrderLineInput, place
from my_api.domain.item import Item
from my_api.domain.order import MAX_LINES, Order
from my_api.kernel.bus import Writing
from my_api.kernel.io_edge import performed

NOW = datetime(2026, 3, 4, tzinfo=UTC)


_ID_COUNTER = iter(range(1, 10**9))


def fresh_id() -> UUID:
    return UUID(int=next(_ID_COUNTER))


@st.composite
def shops(draw: st.DrawFn) -> tuple[list[Item], list[OrderLineInput]]:
    """Items (any price an item may have, some stock) and lines asking for some of them."""
    count = draw(st.integers(1, MAX_LINES))
    items = [
        Item(
            id=UUID(int=10**6 + n),
            name=f"Item {n}",
            description=None,
            price=Decimal(draw(st.integers(1, 10**12 - 1), label="cents")) / 100,
            quantity=draw(st.integers(0, 20_000) | st.integers(1_000, 20_000), label="stock"),
            created_at=NOW,
            updated_at=NOW,
        )
        for n in range(count)
    ]
    ordered = draw(st.permutations(items))
    lines = [
        OrderLineInput(
            item_id=item.id,
            quantity=draw(st.integers(1, 10) | st.integers(1, 10_000), label="quantity"),
        )
        for item in ordered[: draw(st.integers(1, count))]
    ]
    return items, lines


def cents(amount: Decimal) -> int:
    sign, digits, exponent = amount.as_tuple()
    assert exponent == -2 and sign == 0  # noqa: PT018 - one fact: a positive amount in cents
    return int("".join(map(str, digits)))


@settings(max_examples=200)
@given(shop=shops())
async def test_placing_is_exact_and_all_or_nothing(
    shop: tuple[list[Item], list[OrderLineInput]],
) -> None:
    items, lines = shop
    uow = InMemoryUnitOfWork()
    uow.rows(ITEM_TABLE).update({item.id: item for item in items})
    stock = {item.id: item for item in items}
    message: CreateEntity[Order, OrderInput] = CreateEntity(
        "orders", OrderInput(lines=tuple(lines))
    )

    outcome = performed(
        await uow.atomically(lambda session: place(message.input, Writing(session, NOW, fresh_id)))
    )

    event("placed" if isinstance(outcome, Success) else type(outcome.failure()).__name__)
    if not isinstance(outcome, Success):
        assert uow.rows(ITEM_TABLE) == stock
        assert uow.rows(ORDER_TABLE) == {}
        assert uow.outbox == []
        return
    order: Order = outcome.unwrap()
    expected_cents = sum(cents(stock[line.item_id].price) * line.quantity for line in lines)
    assert cents(order.total) == expected_cents
    assert [(line.item_id, line.quantity) for line in order.lines] == [
        (line.item_id, line.quantity) for line in lines
    ]
    asked = {line.item_id: line.quantity for line in lines}
    assert {item_id: item.quantity for item_id, item in uow.rows(ITEM_TABLE).items()} == {
        item_id: item.quantity - asked.get(item_id, 0) for item_id, item in stock.items()
    }
    assert sorted((event.type, event.aggregate_id) for event in uow.outbox) == sorted(
        [("item.updated", item_id) for item_id in asked] + [("order.placed", order.id)]
    )
    assert uow.outbox[-1].type == "order.placed"
