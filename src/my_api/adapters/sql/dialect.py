"""The two SQL dialects we speak, and how each stores our column types.

| type      | PostgreSQL            | SQLite                                     |
|-----------|-----------------------|--------------------------------------------|
| UUID      | ``uuid``              | ``TEXT``, canonical lower-case form        |
| DECIMAL   | ``numeric(p, s)``     | ``NUMERIC``; bound as text, read as exact  |
| TIMESTAMP | ``timestamptz``       | ``TEXT``, fixed-width ISO 8601 in UTC, so  |
|           |                       | text order is time order                   |
| TEXT/INT  | ``text`` / ``integer``| ``TEXT`` / ``INTEGER``                     |

SQLite keeps NUMERIC values as REAL when they have a fraction; a decimal of at
most 15 significant digits survives that exactly (our prices have 12), and
``Decimal(str(real))`` restores it. Placeholders are numbered on both sides
(``$1`` / ``?1``) so one statement shape serves both.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from my_api.kernel.table import ColumnType

Codec = Callable[[Any], Any]


def _nullable(codec: Codec) -> Codec:
    return lambda value: None if value is None else codec(value)


def passthrough(value: Any) -> Any:
    """The codec of a type the driver already handles."""
    return value


def _sqlite_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class DialectName(enum.Enum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


@attrs.frozen
class Dialect:
    name: DialectName
    placeholder_prefix: str
    encoders: Mapping[ColumnType, Codec]
    decoders: Mapping[ColumnType, Codec]

    def param(self, position: int) -> str:
        """The placeholder for the 1-based ``position``-th bound parameter."""
        return f"{self.placeholder_prefix}{position}"

    def encode(self, column_type: ColumnType, value: Any) -> Any:
        return self.encoders[column_type](value)


POSTGRESQL = Dialect(
    name=DialectName.POSTGRESQL,
    placeholder_prefix="$",
    encoders=dict.fromkeys(ColumnType, passthrough),
    # timestamptz already arrives as an aware datetime in UTC, and a uuid as asyncpg's
    # own subclass of uuid.UUID (equal to the standard one, same hash and text), kept
    # as it is: copying it into the standard type cost a microsecond per row.
    decoders=dict.fromkeys(ColumnType, passthrough),
)

SQLITE = Dialect(
    name=DialectName.SQLITE,
    placeholder_prefix="?",
    encoders={
        ColumnType.UUID: _nullable(str),
        ColumnType.TEXT: passthrough,
        ColumnType.INTEGER: passthrough,
        ColumnType.DECIMAL: _nullable(lambda value: format(value, "f")),
        ColumnType.TIMESTAMP: _nullable(_sqlite_timestamp),
    },
    decoders={
        ColumnType.UUID: _nullable(UUID),
        ColumnType.TEXT: passthrough,
        ColumnType.INTEGER: passthrough,
        ColumnType.DECIMAL: _nullable(lambda value: Decimal(str(value))),
        ColumnType.TIMESTAMP: _nullable(datetime.fromisoformat),
    },
)


def dialect_for(url: str) -> Dialect | None:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return {"postgresql": POSTGRESQL, "postgres": POSTGRESQL, "sqlite": SQLITE}.get(scheme)
