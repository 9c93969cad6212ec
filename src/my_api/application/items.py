"""The items resource, declared: its input DTO and its table. Everything else is generic."""

from __future__ import annotations

from decimal import Decimal

import attrs

from my_api.domain.item import DESCRIPTION, NAME, PRICE, QUANTITY, Item
from my_api.kernel.resource import Resource
from my_api.kernel.rules import to_cents
from my_api.kernel.table import EntityTable


@attrs.frozen(kw_only=True)
class ItemInput:
    """The body of POST and PUT (full replacement; PATCH merges into it).

    ``description`` may be omitted, and then is null. Each field repeats its
    entity attribute's annotation and rules (``Resource`` checks that the
    annotations agree) because what a client may send is a decision of its own.
    """

    name: str = attrs.field(validator=NAME)
    description: str | None = attrs.field(default=None, validator=DESCRIPTION)
    price: Decimal = attrs.field(converter=to_cents, validator=PRICE)
    quantity: int = attrs.field(validator=QUANTITY)


ITEM_TABLE = EntityTable.of(Item, "items")

ITEMS: Resource[Item, ItemInput] = Resource(
    name="items",
    table=ITEM_TABLE,
    dto=ItemInput,
    filterable=frozenset(
        {"id", "name", "description", "price", "quantity", "created_at", "updated_at"}
    ),
    # Each has an index with id as its tie-breaker (sql/migrations/*/0002_*).
    sortable=frozenset({"name", "description", "price", "quantity", "created_at", "updated_at"}),
)
