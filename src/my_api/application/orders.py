"""The orders resource: its input, its table, placing an order, and the declaration.

Placing an order reserves stock on every line's item, then stores the order,
in the caller's one unit of work: all or nothing (a Failure rolls the unit back).
Cancelling gives the units back (``cancelling.py``). Both touch items only
through the steps every write shares (``writes.py``): a claimed row, a
successor, compare-and-set.

Items are claimed in ``item_id`` order, whatever the order of the lines: two
units that claim the same items then wait for each other in one direction only,
never in a cycle (no deadlock), and no reservation acts on a stale stock count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import attrs
from returns.curry import partial
from returns.future import FutureResult
from returns.pipeline import flow
from returns.pointfree import bind, bind_result
from returns.result import Failure, Result, Success

from my_api.application.cancelling import cancel_order
from my_api.application.items import ITEMS
from my_api.application.sequence import Step, emitting_in_sequence, in_sequence
from my_api.application.writes import Change, evolved, recorded, store
from my_api.domain.item import Item
from my_api.domain.order import (
    LINE_QUANTITY,
    LINES,
    NOTE,
    PLACED,
    Order,
    OrderLine,
    total_of,
)
from my_api.kernel.bus import Writing
from my_api.kernel.converter import value_objects
from my_api.kernel.errors import (
    AppError,
    FieldError,
    InsufficientStock,
    InvalidInput,
    NotFound,
)
from my_api.kernel.events import Emitted, emitting
from my_api.kernel.member_command import MemberCommand, NoInput
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.resource import Resource
from my_api.kernel.table import EntityTable

Items = AsyncRepository[Item, UUID]
Orders = AsyncRepository[Order, UUID]


@attrs.frozen(kw_only=True)
class OrderLineInput:
    """One line of the body of POST: which item, how many units. The price is the item's."""

    item_id: UUID
    quantity: int = attrs.field(validator=LINE_QUANTITY)


def to_line_inputs(value: Any) -> tuple[OrderLineInput, ...]:
    return value_objects(value, OrderLineInput)


@attrs.frozen(kw_only=True)
class OrderInput:
    """The body of POST /orders. Unknown fields are refused, in the lines too; the same
    item twice is refused naming the repeat (``lines[3].item_id``).
    """

    lines: tuple[OrderLineInput, ...] = attrs.field(converter=to_line_inputs, validator=LINES)
    note: str | None = attrs.field(default=None, validator=NOTE)


ORDER_TABLE = EntityTable.of(Order, "orders")


# --- placing an order -------------------------------------------------------------------


@attrs.frozen
class _Claimed:
    """A line of the input (at ``position``) and its item, claimed; None if there is none."""

    position: int
    line: OrderLineInput
    item: Item | None


@attrs.frozen
class _Reservation:
    position: int
    line: OrderLineInput
    item: Item

    @property
    def order_line(self) -> OrderLine:
        return OrderLine(
            item_id=self.item.id, quantity=self.line.quantity, unit_price=self.item.price
        )


def _claim_line(
    items: Items, position: int, line: OrderLineInput
) -> FutureResult[_Claimed, AppError]:
    """The line's item, claimed; a missing (or deleted) one is noted, not yet an error,
    so that every such line is named at once.
    """

    def absent(error: AppError) -> FutureResult[_Claimed, AppError]:
        if isinstance(error, NotFound):
            return FutureResult.from_value(_Claimed(position, line, None))
        return FutureResult.from_failure(error)

    return items.claim(line.item_id).map(lambda item: _Claimed(position, line, item)).lash(absent)


def claimed_items(
    items: Items, lines: Sequence[OrderLineInput]
) -> FutureResult[tuple[_Claimed, ...], AppError]:
    """Every line's item claimed, in ``item_id`` order (see the module)."""
    in_item_order = sorted(enumerate(lines), key=lambda numbered: numbered[1].item_id)
    steps: list[Step[_Claimed]] = [
        partial(_claim_line, items, position, line) for position, line in in_item_order
    ]
    return in_sequence(steps)


def reservations(claims: Sequence[_Claimed]) -> Result[tuple[_Reservation, ...], AppError]:
    """The claims as reservations (kept in claim order), if every item exists and holds
    enough units.

    A missing item is a 422 naming ``lines[i].item_id``; otherwise every short line,
    and only those, is named in one ``InsufficientStock`` (``lines[i].quantity``).
    Errors are listed in the order of the lines.
    """
    missing = [
        (
            claim.position,
            FieldError(f"lines[{claim.position}].item_id", "names no item", "not_found"),
        )
        for claim in claims
        if claim.item is None
    ]
    if missing:
        return Failure(InvalidInput(_in_line_order(missing)))
    reserved = tuple(
        _Reservation(claim.position, claim.line, claim.item)
        for claim in claims
        if claim.item is not None
    )
    short = [
        (
            reservation.position,
            FieldError(
                f"lines[{reservation.position}].quantity",
                f"asks for {reservation.line.quantity} units; "
                f"the item has {reservation.item.quantity}",
                "insufficient_stock",
            ),
        )
        for reservation in reserved
        if reservation.line.quantity > reservation.item.quantity
    ]
    if short:
        return Failure(InsufficientStock(_in_line_order(short)))
    return Success(reserved)


def _in_line_order(errors: Iterable[tuple[int, FieldError]]) -> tuple[FieldError, ...]:
    return tuple(error for _, error in sorted(errors, key=lambda numbered: numbered[0]))


def _reserve(
    writing: Writing, items: Items, reservation: _Reservation
) -> FutureResult[Emitted[tuple[int, OrderLine]], AppError]:
    """Take the line's units from its item (a write like any other: version + 1)."""
    item = reservation.item
    change = Change(item, evolved(item, quantity=item.quantity - reservation.line.quantity))
    return store(items, change, Expectation.none(), writing.now).map(
        lambda stored: recorded(ITEMS, "updated", stored, writing).map(
            lambda _: (reservation.position, reservation.order_line)
        )
    )


def reserved_lines(
    writing: Writing, items: Items, reserved: tuple[_Reservation, ...]
) -> FutureResult[Emitted[tuple[OrderLine, ...]], AppError]:
    """Every reservation stored, in claim order; the order's lines in the input's order."""
    steps: list[Step[Emitted[tuple[int, OrderLine]]]] = [
        partial(_reserve, writing, items, reservation) for reservation in reserved
    ]
    return emitting_in_sequence(steps).map(
        lambda emitted: emitted.map(lambda numbered: tuple(line for _, line in sorted(numbered)))
    )


def added_order(
    writing: Writing, orders: Orders, note: str | None, lines: tuple[OrderLine, ...]
) -> FutureResult[Emitted[Order], AppError]:
    # Cannot raise: the input's rules bound the lines and the note, the items' rules
    # their prices, and so the total (see ``domain/order.py``, TOTAL).
    order = Order(
        id=writing.new_id(),
        status=PLACED,
        lines=lines,
        total=total_of(lines),
        note=note,
        created_at=writing.now,
        updated_at=writing.now,
    )
    return orders.add(order).map(lambda added: recorded(ORDERS, "placed", added, writing))


def place(dto: OrderInput, writing: Writing) -> FutureResult[Emitted[Order], AppError]:
    """Reserve every line's units, then store the order: one ``item.updated`` per item
    (in ``item_id`` order), then ``order.placed``. On any failure the unit of work
    rolls back every reservation. ``ORDERS.create``: what ``POST /orders`` runs.
    """
    items = writing.session.repository(ITEMS.table)
    orders = writing.session.repository(ORDER_TABLE)
    return flow(
        claimed_items(items, dto.lines),
        bind_result(reservations),
        bind(partial(reserved_lines, writing, items)),
        bind(emitting(partial(added_order, writing, orders, dto.note))),
    )


CANCEL: MemberCommand[Order, NoInput] = MemberCommand(
    name="cancel", input=NoInput, step=cancel_order, event="cancelled"
)


# --- the declaration ----------------------------------------------------------------------

ORDERS: Resource[Order, OrderInput] = Resource(
    name="orders",
    table=ORDER_TABLE,
    dto=OrderInput,
    filterable=frozenset({"id", "status", "total", "created_at"}),
    # Each has an index with id as its tie-breaker (sql/migrations/*/0005_orders.sql).
    sortable=frozenset({"total", "created_at"}),
    commands=(CANCEL,),
    # Orders change only through their commands: PUT, PATCH and DELETE answer 405.
    writes=frozenset({"create"}),
    create=place,
)
