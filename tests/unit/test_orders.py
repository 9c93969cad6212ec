"""Placing and cancelling orders (``application/orders.py``) on the in-memory unit of work.

Time and identity are injected, so every stamp below is exact. Each unit of work
runs the pipeline the way the command bus does: one ``Writing`` per unit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.catalog import not_in_placed_orders
from my_api.application.crud import create_entity
from my_api.application.items import ITEM_TABLE
from my_api.application.member_commands import run_member_command
from my_api.application.messages import CreateEntity
from my_api.application.orders import (
    CANCEL,
    ORDER_TABLE,
    ORDERS,
    OrderInput,
    OrderLineInput,
    place,
)
from my_api.domain.item import Item
from my_api.domain.order import CANCELLED, PLACED, Order, OrderLine
from my_api.kernel.bus import Writing
from my_api.kernel.errors import (
    AppError,
    Conflict,
    FieldError,
    InsufficientStock,
    InvalidInput,
    PreconditionFailed,
)
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.member_command import NoInput
from my_api.kernel.preconditions import Expectation
from my_api.kernel.unit_of_work import Session

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
NOW = CREATED + timedelta(hours=1)
LATER = NOW + timedelta(hours=1)
# Declared in item_id order: LAMP < DESK < CHAIR.
LAMP = UUID("0190a8f4-0000-7000-8000-000000000001")
DESK = UUID("0190a8f4-0000-7000-8000-000000000002")
CHAIR = UUID("0190a8f4-0000-7000-8000-000000000003")
GHOST = UUID("0190a8f4-0000-7000-8000-0000000000ff")


class SequentialIds:
    """Ids 1, 2, 3 ... in the order they are asked for."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> UUID:
        self.issued += 1
        return UUID(int=self.issued)


def an_item(item_id: UUID, quantity: int, price: str = "12.50") -> Item:
    return Item(
        id=item_id,
        name=f"Item {item_id.int}",
        description=None,
        price=Decimal(price),
        quantity=quantity,
        created_at=CREATED,
        updated_at=CREATED,
    )


def seeded(*items: Item) -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    for item in items:
        uow.rows(ITEM_TABLE)[item.id] = item
    return uow


def ordering(*lines: tuple[UUID, int], note: str | None = None) -> CreateEntity[Order, OrderInput]:
    dto = OrderInput(
        lines=tuple(OrderLineInput(item_id=item_id, quantity=n) for item_id, n in lines),
        note=note,
    )
    return CreateEntity("orders", dto)


async def run(
    uow: InMemoryUnitOfWork,
    work: Callable[[Writing], FutureResult[Emitted[Order], AppError]],
    now: datetime = NOW,
    ids: SequentialIds | None = None,
) -> Result[Order, AppError]:
    new_id = ids or SequentialIds()
    return performed(await uow.atomically(lambda session: work(Writing(session, now, new_id))))


async def placed(uow: InMemoryUnitOfWork, *lines: tuple[UUID, int]) -> Order:
    outcome = await run(uow, lambda writing: place(ordering(*lines).input, writing))
    assert isinstance(outcome, Success), outcome
    order: Order = outcome.unwrap()
    return order


def cancelling(
    order_id: UUID, expectation: Expectation | None = None
) -> Callable[[Writing], FutureResult[Emitted[Order], AppError]]:
    """``POST /orders/{id}/cancel``: the generic runner with the declared command."""

    def work(writing: Writing) -> FutureResult[Emitted[Order], AppError]:
        return run_member_command(
            ORDERS, CANCEL, order_id, NoInput(), expectation or Expectation.none(), writing
        )

    return work


def stock(uow: InMemoryUnitOfWork) -> dict[UUID, tuple[int, int]]:
    """Each item's (quantity, version)."""
    return {item.id: (item.quantity, item.version) for item in uow.rows(ITEM_TABLE).values()}


def event_types(uow: InMemoryUnitOfWork) -> list[tuple[str, UUID, int]]:
    return [(event.type, event.aggregate_id, event.aggregate_version) for event in uow.outbox]


# --- placing ------------------------------------------------------------------------------


async def test_placing_reserves_each_line_and_stores_the_order_at_the_items_prices() -> None:
    uow = seeded(an_item(LAMP, 5, "12.50"), an_item(DESK, 2, "100.00"))

    order = await placed(uow, (DESK, 2), (LAMP, 3))

    assert order == Order(
        id=order.id,
        status=PLACED,
        lines=(
            OrderLine(item_id=DESK, quantity=2, unit_price=Decimal("100.00")),
            OrderLine(item_id=LAMP, quantity=3, unit_price=Decimal("12.50")),
        ),
        total=Decimal("237.50"),
        note=None,
        created_at=NOW,
        updated_at=NOW,
    )
    assert uow.rows(ORDER_TABLE) == {order.id: order}
    assert stock(uow) == {LAMP: (2, 2), DESK: (0, 2)}
    reserved = uow.rows(ITEM_TABLE)[LAMP]
    assert reserved == attrs.evolve(an_item(LAMP, 2), version=2, updated_at=NOW)


async def test_placing_emits_one_item_update_per_item_in_item_order_then_the_order() -> None:
    uow = seeded(an_item(LAMP, 5), an_item(DESK, 2), an_item(CHAIR, 1))

    order = await placed(uow, (CHAIR, 1), (LAMP, 1), (DESK, 1))

    assert event_types(uow) == [
        ("item.updated", LAMP, 2),
        ("item.updated", DESK, 2),
        ("item.updated", CHAIR, 2),
        ("order.placed", order.id, 1),
    ]
    placed_event = uow.outbox[-1]
    assert (placed_event.collection, placed_event.time) == ("orders", NOW)
    assert placed_event.data["status"] == "placed"
    assert placed_event.data["total"] == "37.50"
    assert uow.outbox[0].data["quantity"] == 4
    assert len({event.id for event in uow.outbox}) == len(uow.outbox)


async def test_an_order_may_take_the_last_unit() -> None:
    uow = seeded(an_item(LAMP, 2))
    await placed(uow, (LAMP, 2))
    assert stock(uow) == {LAMP: (0, 2)}


async def test_every_short_line_and_only_those_are_named_and_nothing_changes() -> None:
    items = (an_item(LAMP, 1), an_item(DESK, 5), an_item(CHAIR, 0))
    uow = seeded(*items)

    outcome = await run(
        uow, lambda writing: place(ordering((CHAIR, 1), (DESK, 5), (LAMP, 2)).input, writing)
    )

    assert outcome == Failure(
        InsufficientStock(
            (
                FieldError(
                    "lines[0].quantity", "asks for 1 units; the item has 0", "insufficient_stock"
                ),
                FieldError(
                    "lines[2].quantity", "asks for 2 units; the item has 1", "insufficient_stock"
                ),
            )
        )
    )
    assert uow.rows(ITEM_TABLE) == {item.id: item for item in items}
    assert uow.rows(ORDER_TABLE) == {}
    assert uow.outbox == []


async def test_a_missing_or_deleted_item_is_named_by_its_line_and_nothing_changes() -> None:
    gone = attrs.evolve(an_item(DESK, 9), deleted_at=CREATED, version=2)
    uow = seeded(an_item(LAMP, 9), gone)

    outcome = await run(
        uow, lambda writing: place(ordering((LAMP, 1), (GHOST, 1), (DESK, 1)).input, writing)
    )

    assert outcome == Failure(
        InvalidInput(
            (
                FieldError("lines[1].item_id", "names no item", "not_found"),
                FieldError("lines[2].item_id", "names no item", "not_found"),
            )
        )
    )
    assert stock(uow) == {LAMP: (9, 1), DESK: (9, 2)}
    assert uow.rows(ORDER_TABLE) == {}
    assert uow.outbox == []


async def test_the_largest_order_there_can_be_is_placed_with_its_exact_total() -> None:
    ids = [UUID(int=n) for n in range(1, 51)]
    uow = seeded(*(an_item(item_id, 10_000, "9999999999.99") for item_id in ids))

    order = await placed(uow, *((item_id, 10_000) for item_id in ids))

    assert str(order.total) == "4999999999995000.00"


async def test_the_generic_create_of_orders_places_the_order() -> None:
    uow = seeded(an_item(LAMP, 5))
    dto = ordering((LAMP, 2)).input

    outcome = await run(uow, lambda writing: create_entity(ORDERS, dto, writing))

    assert outcome.map(lambda order: order.lines) == Success(
        (OrderLine(item_id=LAMP, quantity=2, unit_price=Decimal("12.50")),)
    )
    assert stock(uow) == {LAMP: (3, 2)}
    assert [event.type for event in uow.outbox] == ["item.updated", "order.placed"]


async def test_the_note_is_kept() -> None:
    uow = seeded(an_item(LAMP, 1))
    outcome = await run(
        uow, lambda writing: place(ordering((LAMP, 1), note="by noon").input, writing)
    )
    assert outcome.map(lambda order: order.note) == Success("by noon")


# --- cancelling ---------------------------------------------------------------------------


async def test_cancelling_gives_every_line_back_and_answers_the_cancelled_order() -> None:
    uow = seeded(an_item(LAMP, 5), an_item(DESK, 2))
    order = await placed(uow, (DESK, 2), (LAMP, 3))
    before = len(uow.outbox)

    outcome = await run(uow, cancelling(order.id), now=LATER)

    cancelled = attrs.evolve(order, status=CANCELLED, version=2, updated_at=LATER)
    assert outcome == Success(cancelled)
    assert uow.rows(ORDER_TABLE) == {order.id: cancelled}
    assert stock(uow) == {LAMP: (5, 3), DESK: (2, 3)}
    assert uow.rows(ITEM_TABLE)[DESK].updated_at == LATER
    assert event_types(uow)[before:] == [
        ("item.updated", LAMP, 3),
        ("item.updated", DESK, 3),
        ("order.cancelled", order.id, 2),
    ]


async def test_a_deleted_item_gets_its_units_back_and_stays_deleted() -> None:
    uow = seeded(an_item(LAMP, 5))
    order = await placed(uow, (LAMP, 3))
    live = uow.rows(ITEM_TABLE)[LAMP]
    uow.rows(ITEM_TABLE)[LAMP] = attrs.evolve(live, deleted_at=NOW, version=live.version + 1)

    outcome = await run(uow, cancelling(order.id), now=LATER)

    assert isinstance(outcome, Success), outcome
    restocked = uow.rows(ITEM_TABLE)[LAMP]
    assert (restocked.quantity, restocked.version, restocked.deleted_at) == (5, 4, NOW)
    assert event_types(uow)[-2:] == [("item.updated", LAMP, 4), ("order.cancelled", order.id, 2)]


async def test_cancelling_a_cancelled_order_is_a_conflict_that_changes_nothing() -> None:
    uow = seeded(an_item(LAMP, 5))
    order = await placed(uow, (LAMP, 3))
    cancelled = attrs.evolve(order, status=CANCELLED, version=2)
    uow.rows(ORDER_TABLE)[order.id] = cancelled
    before = (stock(uow), list(uow.outbox))

    outcome = await run(uow, cancelling(order.id), now=LATER)

    assert outcome == Failure(Conflict("The order is already cancelled."))
    assert (stock(uow), list(uow.outbox)) == before


async def test_a_stale_if_match_is_412_and_nothing_is_given_back() -> None:
    uow = seeded(an_item(LAMP, 5))
    order = await placed(uow, (LAMP, 3))
    before = (stock(uow), list(uow.outbox))

    outcome = await run(uow, cancelling(order.id, Expectation.one_of(7)), now=LATER)

    assert outcome == Failure(PreconditionFailed())
    assert (stock(uow), list(uow.outbox)) == before


async def test_stock_that_would_pass_the_items_limit_is_a_conflict_not_a_crash() -> None:
    uow = seeded(an_item(LAMP, 5))
    order = await placed(uow, (LAMP, 3))
    live = uow.rows(ITEM_TABLE)[LAMP]
    uow.rows(ITEM_TABLE)[LAMP] = attrs.evolve(live, quantity=2**31 - 2)

    outcome = await run(uow, cancelling(order.id), now=LATER)

    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), Conflict)
    assert uow.rows(ITEM_TABLE)[LAMP].quantity == 2**31 - 2


def test_cancel_is_the_command_named_cancel_emitting_order_cancelled() -> None:
    assert (CANCEL.name, CANCEL.input, CANCEL.event) == ("cancel", NoInput, "cancelled")


# --- deleting an item that orders hold ---------------------------------------------------------


async def deletable(uow: InMemoryUnitOfWork, item_id: UUID) -> Result[None, AppError]:
    def check(session: Session) -> FutureResult[Emitted[None], AppError]:
        item = uow.rows(ITEM_TABLE)[item_id]
        return not_in_placed_orders(session, item).map(Emitted)

    return performed(await uow.atomically(check))


async def test_an_item_in_a_placed_order_may_not_be_deleted_until_it_is_cancelled() -> None:
    uow = seeded(an_item(LAMP, 5), an_item(DESK, 5), an_item(CHAIR, 5))
    order = await placed(uow, (LAMP, 1), (DESK, 1))

    assert await deletable(uow, LAMP) == Failure(
        Conflict("The item is in 1 placed order(s); cancel them first.")
    )
    assert await deletable(uow, CHAIR) == Success(None)

    uow.rows(ORDER_TABLE)[order.id] = attrs.evolve(order, status=CANCELLED, version=2)
    assert await deletable(uow, LAMP) == Success(None)
