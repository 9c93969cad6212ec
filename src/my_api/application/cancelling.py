"""Cancelling an order: the step of the ``cancel`` member command (``orders.CANCEL``).

Every line's units go back to its item, deleted or not, each a write of its own
(claimed, compare-and-set, ``item.updated``), in ``item_id`` order as placing
claims them, so a cancel and a placing never wait on each other in a cycle. The
generic member-command runner claims the order first, stores it cancelled and
records ``order.cancelled`` (``member_commands.py``).
"""

from __future__ import annotations

from uuid import UUID

from returns.curry import partial
from returns.future import FutureResult

from my_api.application.items import ITEMS
from my_api.application.sequence import Step, emitting_in_sequence
from my_api.application.writes import Change, evolved, recorded, store
from my_api.domain.item import MAX_QUANTITY, Item
from my_api.domain.order import CANCELLED, Order, OrderLine
from my_api.kernel.bus import Writing
from my_api.kernel.errors import AppError, Conflict
from my_api.kernel.events import Emitted
from my_api.kernel.member_command import NoInput
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository

Items = AsyncRepository[Item, UUID]


def _give_back(
    writing: Writing, items: Items, line: OrderLine
) -> FutureResult[Emitted[Item], AppError]:
    """The line's units back to its item, deleted or not (it keeps its deletion)."""

    def restocked(item: Item) -> FutureResult[Emitted[Item], AppError]:
        quantity = item.quantity + line.quantity
        if quantity > MAX_QUANTITY:  # the item's own rule would refuse the successor
            return FutureResult.from_failure(
                Conflict(f"Item {item.id} cannot hold {quantity} units; nothing was given back.")
            )
        change = Change(item, evolved(item, quantity=quantity))
        # Claimed just now, so the version still holds: nothing can have overtaken it.
        stored = store(items, change, Expectation.none(), writing.now, include_deleted=True)
        return stored.map(lambda written: recorded(ITEMS, "updated", written, writing))

    return items.claim(line.item_id, include_deleted=True).bind(restocked)


def cancel_order(
    writing: Writing, order: Order, _: NoInput
) -> FutureResult[Emitted[Order], AppError]:
    """The member command's step: stock back to every line's item (in ``item_id`` order),
    the order ``cancelled``. The generics store it and add ``order.cancelled``.
    """
    if order.status == CANCELLED:
        return FutureResult.from_failure(Conflict("The order is already cancelled."))
    items = writing.session.repository(ITEMS.table)
    steps: list[Step[Emitted[Item]]] = [
        partial(_give_back, writing, items, line)
        for line in sorted(order.lines, key=lambda line: line.item_id)
    ]
    return emitting_in_sequence(steps).map(
        lambda emitted: emitted.map(lambda _: evolved(order, status=CANCELLED))
    )
