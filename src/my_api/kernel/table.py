"""Table mappings derived from entities: which attribute lives in which column, as which type.

Pure data. A mapping is read off the entity's attrs fields (``mapping_of``),
so a field is declared once, on the entity; the SQL adapter compiles the
mapping into statements once, at start-up, and the dialect decides how each
``ColumnType`` is encoded. ``schema_mismatches`` compares a mapping with the
columns a database actually has.
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, Union, cast, get_args, get_origin
from uuid import UUID

import attrs

from my_api.kernel.converter import is_value_objects
from my_api.kernel.entity import BOOKKEEPING_FIELDS

E = TypeVar("E")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class ColumnType(enum.Enum):
    UUID = "uuid"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TIMESTAMP = "timestamp"
    # A decimal amount with two places, exact whatever its size (an order's total, up
    # to 18 digits): SQLite keeps only 15 significant digits of a NUMERIC with a
    # fraction, so it stores whole cents there. Chosen by ``stored_as`` on the field.
    CENTS = "cents"
    # A collection of value objects (``tuple[X, ...]``, X an attrs class), stored as one
    # JSON array. Neither filterable nor sortable through the query language: it has
    # no order, and its one internal filter is ``specification.HasElement``.
    JSON = "json"


# Exact types only: ``bool`` is an ``int`` to Python but has no column here.
_COLUMN_TYPES: Mapping[Any, ColumnType] = {
    UUID: ColumnType.UUID,
    str: ColumnType.TEXT,
    int: ColumnType.INTEGER,
    Decimal: ColumnType.DECIMAL,
    datetime: ColumnType.TIMESTAMP,
}


# attrs field metadata naming the column type, where the annotation alone does not say.
COLUMN_TYPE = "my_api.column_type"


def stored_as(column_type: ColumnType) -> dict[str, ColumnType]:
    """``attrs.field(metadata=stored_as(ColumnType.CENTS))`` on a ``Decimal`` field."""
    return {COLUMN_TYPE: column_type}


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
        """The entity attribute this column stores (same name, by construction)."""
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
        missing = BOOKKEEPING_FIELDS - set(names)
        if missing:
            raise ValueError(f"table {self.table} lacks bookkeeping columns {sorted(missing)}")
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.table} declares a column twice")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def _column_of(entity: type[Any], field: attrs.Attribute[Any]) -> Column:
    """The column that stores ``field`` of ``entity`` (its annotation already resolved)."""
    annotation, nullable = _without_none(field.type)
    column_type = ColumnType.JSON if is_value_objects(annotation) else _COLUMN_TYPES.get(annotation)
    chosen = field.metadata.get(COLUMN_TYPE)
    if chosen is not None:
        if (column_type, chosen) != (ColumnType.DECIMAL, ColumnType.CENTS):
            raise ValueError(f"{entity.__name__}.{field.name}: only a Decimal is stored as cents")
        column_type = chosen
    if column_type is None:
        raise ValueError(
            f"{entity.__name__}.{field.name}: no column type for the annotation {field.type!r}"
            f" (supported: {', '.join(sorted(t.__name__ for t in _COLUMN_TYPES))},"
            " tuple[X, ...] of an attrs class X, or X | None)"
        )
    return Column(field.name, column_type, nullable=nullable)


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` as ``(X, True)``; any other annotation as ``(annotation, False)``."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        if len(members) == 1 and len(members) < len(get_args(annotation)):
            return members[0], True
    return annotation, False


def mapping_of(entity: type[Any], table: str) -> TableMapping:
    """The table ``table`` with one column per attrs field of ``entity``, in field order.

    An annotation with no column type fails here, at declaration, naming the field.
    """
    resolved = attrs.resolve_types(cast(type[attrs.AttrsInstance], entity))
    return TableMapping(
        table=table, columns=tuple(_column_of(entity, field) for field in attrs.fields(resolved))
    )


@attrs.frozen
class EntityTable(Generic[E]):
    """An entity type together with the table that stores it."""

    entity: type[E]
    mapping: TableMapping

    @classmethod
    def of(cls, entity: type[E], table: str) -> EntityTable[E]:
        """``entity`` stored in ``table``, its columns read off the entity's fields."""
        return cls(entity=entity, mapping=mapping_of(entity, table))

    @property
    def name(self) -> str:
        return self.mapping.table


def schema_mismatches(mapping: TableMapping, actual: Mapping[str, bool]) -> tuple[str, ...]:
    """What stops ``mapping`` from working on a table with the columns ``actual``.

    ``actual`` maps each column the database table has to whether it admits
    NULL. One message per problem, naming the table and the field: a column
    the entity needs and the table lacks; a nullability that differs (a NULL
    the entity cannot hold, or a ``None`` the table refuses); a NOT NULL
    column the entity does not know, which every insert would leave empty.
    Extra nullable columns are harmless and not reported.

    >>> mapping = TableMapping("t", tuple(Column(name, ColumnType.TEXT) for name in
    ...     ("id", "created_at", "updated_at", "version", "deleted_at")))
    >>> schema_mismatches(mapping, dict.fromkeys(mapping.names, False))
    ()
    >>> for problem in schema_mismatches(mapping, {"id": True, "created_at": False,
    ...         "updated_at": False, "version": False, "legacy": False, "note": True}):
    ...     print(problem)
    t.id: the column admits NULL but the entity requires a value
    t.deleted_at: the column is missing from the database
    t.legacy: the column is NOT NULL but unknown to the entity
    """
    declared = [(column.name, _column_problem(column, actual)) for column in mapping.columns]
    undeclared = [
        (name, "the column is NOT NULL but unknown to the entity")
        for name, nullable in actual.items()
        if name not in mapping.names and not nullable
    ]
    return tuple(
        f"{mapping.table}.{name}: {problem}"
        for name, problem in (*declared, *undeclared)
        if problem is not None
    )


def _column_problem(column: Column, actual: Mapping[str, bool]) -> str | None:
    if column.name not in actual:
        return "the column is missing from the database"
    if actual[column.name] and not column.nullable:
        return "the column admits NULL but the entity requires a value"
    if column.nullable and not actual[column.name]:
        return "the column is NOT NULL but the entity allows None"
    return None
