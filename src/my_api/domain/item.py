"""The Item entity: what the example resource stores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import attrs

from my_api.kernel.rules import integer, money, text, to_cents

NAME = text(min_length=1, max_length=255)
DESCRIPTION = text(min_length=0, max_length=1000, nullable=True)
PRICE = money(integer_digits=10)
# The column is a 32-bit integer on both databases.
MAX_QUANTITY = 2**31 - 1
QUANTITY = integer(minimum=0, maximum=MAX_QUANTITY)


@attrs.frozen
class Item:
    """A priced, counted thing. State changes return new instances (``attrs.evolve``)."""

    id: UUID
    name: str = attrs.field(validator=NAME)
    description: str | None = attrs.field(validator=DESCRIPTION)
    price: Decimal = attrs.field(converter=to_cents, validator=PRICE)
    quantity: int = attrs.field(validator=QUANTITY)
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None
