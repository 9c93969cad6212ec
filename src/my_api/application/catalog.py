"""Every resource the service serves. Adding an entity means adding it here."""

from __future__ import annotations

from typing import Any

import attrs

from my_api.application.items import ITEMS
from my_api.kernel.resource import Resource
from my_api.kernel.table import EntityTable


@attrs.frozen
class Resources:
    """The resources one service instance serves, in route order."""

    all: tuple[Resource[Any, Any], ...]

    @property
    def tables(self) -> tuple[EntityTable[Any], ...]:
        return tuple(resource.table for resource in self.all)


RESOURCES = Resources((ITEMS,))
