"""Every resource the service serves. Adding an entity means adding it here."""

from __future__ import annotations

from typing import Any

from my_api.application.items import ITEMS
from my_api.kernel.resource import Resource

RESOURCES: tuple[Resource[Any, Any], ...] = (ITEMS,)
