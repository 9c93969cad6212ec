"""Declarative table mappings: which attribute lives in which column, as which type.

Pure data. The SQL adapter compiles a mapping into statements once, at start-up,
for the dialect in use; the dialect decides how each ``ColumnType`` is encoded.
"""

from __future__ import annotations

import enum
import re
from typing import Generic, TypeVar

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

    @property
    def name(self) -> str:
        return self.mapping.table


def schema_mismatches(mapping: TableMapping, actual: dict[str, bool]) -> tuple[str, ...]:
    """Placeholder until the derived mapping lands: missing columns and nullability."""
    problems = []
    for column in mapping.columns:
        if column.name not in actual:
            problems.append(f"{mapping.table}.{column.name}: no such column in the database")
        elif actual[column.name] != column.nullable:
            problems.append(f"{mapping.table}.{column.name}: nullability differs")
    return tuple(problems)
