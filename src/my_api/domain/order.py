"""The Order entity: items reserved at a price, placed and possibly cancelled.

An order owns its lines, value objects stored with it as one JSON column; each
line keeps the item's price at the time the order was placed, so later price
changes never alter an order. ``total`` is their exact sum, checked on every
construction (a row whose total disagrees with its lines is refused).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any
from uuid import UUID

import attrs

from my_api.kernel.converter import value_objects
from my_api.kernel.rules import (
    RuleViolation,
    distinct_by,
    integer,
    money,
    one_of,
    sized,
    text,
    to_cents,
)
from my_api.kernel.table import ColumnType, stored_as

PLACED = "placed"
CANCELLED = "cancelled"
STATUS = one_of({PLACED, CANCELLED})

LINE_QUANTITY = integer(minimum=1, maximum=10_000)
UNIT_PRICE = money(integer_digits=10)  # an item's price: the same rule
MAX_LINES = 50
LINES = [sized(min_items=1, max_items=MAX_LINES), distinct_by("item_id")]
NOTE = text(min_length=0, max_length=500, nullable=True)
# The largest total lines can make: 50 x 10,000 x 9,999,999,999.99 < 10^16. So every
# order placed from valid lines fits, and the columns hold 16 integer digits and the
# cents exactly: numeric(18, 2) on PostgreSQL, whole cents in an INTEGER on SQLite
# (``ColumnType.CENTS``; its NUMERIC would keep only 15 significant digits).
TOTAL = money(integer_digits=16)


@attrs.frozen(kw_only=True)
class OrderLine:
    """So many units of one item, at the price the item had when the order was placed."""

    item_id: UUID
    quantity: int = attrs.field(validator=LINE_QUANTITY)
    unit_price: Decimal = attrs.field(converter=to_cents, validator=UNIT_PRICE)


def to_order_lines(value: Any) -> tuple[OrderLine, ...]:
    return value_objects(value, OrderLine)


def total_of(lines: Iterable[OrderLine]) -> Decimal:
    """The exact sum of ``unit_price x quantity``, whatever the decimal context.

    Each product has at most 10 + 5 integer digits and two decimals, so 40 digits of
    precision keep every sum of 50 of them exact (the default context has 28).
    """
    with localcontext() as context:
        context.prec = 40
        return sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))


def _sums_its_lines(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    TOTAL(instance, attribute, value)
    if value != total_of(instance.lines):
        raise RuleViolation("inconsistent_total", "must be the sum of the lines' amounts")


@attrs.frozen
class Order:
    """An order of one or more items. State changes return new instances (``attrs.evolve``).

    Field order is column order (``EntityTable.of``), as for every entity.
    """

    id: UUID
    status: str = attrs.field(validator=STATUS)
    lines: tuple[OrderLine, ...] = attrs.field(converter=to_order_lines, validator=LINES)
    total: Decimal = attrs.field(
        converter=to_cents, validator=_sums_its_lines, metadata=stored_as(ColumnType.CENTS)
    )
    note: str | None = attrs.field(validator=NOTE)
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None
