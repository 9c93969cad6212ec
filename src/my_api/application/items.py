"""The items resource, declared: DTOs and table mapping. Everything else is generic."""

from __future__ import annotations

from decimal import Decimal

import attrs

from my_api.domain.item import DESCRIPTION, NAME, PRICE, QUANTITY, Item
from my_api.kernel.resource import Resource
from my_api.kernel.rules import to_cents
from my_api.kernel.table import EntityTable


@attrs.frozen(kw_only=True)
class ItemCreate:
    """POST body. ``description`` may be omitted."""

    name: str = attrs.field(validator=NAME)
    description: str | None = attrs.field(default=None, validator=DESCRIPTION)
    price: Decimal = attrs.field(converter=to_cents, validator=PRICE)
    quantity: int = attrs.field(validator=QUANTITY)


@attrs.frozen(kw_only=True)
class ItemReplace:
    """PUT body (full replacement; PATCH merges into it). ``description`` may be omitted (null)."""

    name: str = attrs.field(validator=NAME)
    description: str | None = attrs.field(default=None, validator=DESCRIPTION)
    price: Decimal = attrs.field(converter=to_cents, validator=PRICE)
    quantity: int = attrs.field(validator=QUANTITY)


ITEM_TABLE = EntityTable.of(Item, "items")

ITEMS: Resource[Item, ItemCreate, ItemReplace] = Resource(
    name="items",
    table=ITEM_TABLE,
    create=ItemCreate,
    replace=ItemReplace,
    filterable=frozenset(
        {"id", "name", "description", "price", "quantity", "created_at", "updated_at"}
    ),
    # Each has an index with id as its tie-breaker (sql/migrations/*/0002_*).
    sortable=frozenset({"name", "description", "price", "quantity", "created_at", "updated_at"}),
)
