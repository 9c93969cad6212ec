"""Every resource the service serves, and the rules that join them. Adding an entity
means adding it here.
"""

from __future__ import annotations

from typing import Any

import attrs
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.application.items import ITEMS
from my_api.application.orders import ORDER_TABLE, ORDERS
from my_api.domain.item import Item
from my_api.domain.order import PLACED
from my_api.kernel.errors import AppError, Conflict
from my_api.kernel.resource import Resource
from my_api.kernel.specification import FieldSpecification, HasElement, Operator
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session


@attrs.frozen
class Resources:
    """The resources one service instance serves, in route order."""

    all: tuple[Resource[Any, Any], ...]

    @property
    def tables(self) -> tuple[EntityTable[Any], ...]:
        return tuple(resource.table for resource in self.all)


def not_in_placed_orders(session: Session, item: Item) -> FutureResult[None, AppError]:
    """409 while any placed order holds a line for ``item`` (``Resource.may_delete``).

    The check and the item's compare-and-set delete share a unit of work; an order
    placed meanwhile claims (locks) and writes the item, so the delete then loses
    its compare-and-set instead of deleting an ordered item.
    """
    placed_with_item = FieldSpecification("status", Operator.EQ, PLACED) & HasElement(
        "lines", "item_id", item.id
    )

    def unordered(placed: int) -> Result[None, AppError]:
        if placed:
            return Failure(Conflict(f"The item is in {placed} placed order(s); cancel them first."))
        return Success(None)

    return session.repository(ORDER_TABLE).count(placed_with_item).bind_result(unordered)


# An item that placed orders hold cannot be deleted. The rule joins two aggregates, so it
# is declared here, where both are known, not on ITEMS (which orders build on).
SERVED_ITEMS = attrs.evolve(ITEMS, may_delete=not_in_placed_orders)

RESOURCES = Resources((SERVED_ITEMS, ORDERS))
