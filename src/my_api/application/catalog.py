"""Every resource the service serves. Adding an entity means adding it here."""

from __future__ import annotations

from typing import Any

import attrs

from my_api.application.items import ITEMS
from my_api.application.orders import ORDERS, not_in_placed_orders
from my_api.kernel.resource import Resource
from my_api.kernel.table import EntityTable


@attrs.frozen
class Resources:
    """The resources one service instance serves, in route order."""

    all: tuple[Resource[Any, Any], ...]

    @property
    def tables(self) -> tuple[EntityTable[Any], ...]:
        return tuple(resource.table for resource in self.all)


# An item that placed orders hold cannot be deleted. The rule joins two aggregates, so it
# is declared here, where both are known, not on ITEMS (which orders build on).
SERVED_ITEMS = attrs.evolve(ITEMS, may_delete=not_in_placed_orders)

RESOURCES = Resources((SERVED_ITEMS, ORDERS))
