"""Table mappings read off entities, and the schema check that compares one with a database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional
from uuid import UUID

import attrs
import pytest

from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.table import (
    Column,
    ColumnType,
    EntityTable,
    TableMapping,
    mapping_of,
    schema_mismatches,
)


@attrs.frozen
class Shelf:
    id: UUID
    label: str
    width_mm: int
    cost: Decimal | None
    installed_at: Optional[datetime]  # noqa: UP045 - the older spelling must map the same
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


def test_each_supported_annotation_becomes_its_column_type_in_field_order() -> None:
    assert mapping_of(Shelf, "shelves") == TableMapping(
        "shelves",
        (
            Column("id", ColumnType.UUID),
            Column("label", ColumnType.TEXT),
            Column("width_mm", ColumnType.INTEGER),
            Column("cost", ColumnType.DECIMAL, nullable=True),
            Column("installed_at", ColumnType.TIMESTAMP, nullable=True),
            Column("created_at", ColumnType.TIMESTAMP),
            Column("updated_at", ColumnType.TIMESTAMP),
            Column("version", ColumnType.INTEGER),
            Column("deleted_at", ColumnType.TIMESTAMP, nullable=True),
        ),
    )


def test_the_items_table_is_the_one_its_migrations_create() -> None:
    expected = EntityTable(
        Item,
        TableMapping(
            "items",
            (
                Column("id", ColumnType.UUID),
                Column("name", ColumnType.TEXT),
                Column("description", ColumnType.TEXT, nullable=True),
                Column("price", ColumnType.DECIMAL),
                Column("quantity", ColumnType.INTEGER),
                Column("created_at", ColumnType.TIMESTAMP),
                Column("updated_at", ColumnType.TIMESTAMP),
                Column("version", ColumnType.INTEGER),
                Column("deleted_at", ColumnType.TIMESTAMP, nullable=True),
            ),
        ),
    )

    assert expected == ITEM_TABLE


@attrs.frozen
class _WithFlag:
    id: UUID
    in_stock: bool
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


@attrs.frozen
class _WithEitherOr:
    id: UUID
    size: int | str
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


@pytest.mark.parametrize(
    ("entity", "field"), [(_WithFlag, "_WithFlag.in_stock"), (_WithEitherOr, "_WithEitherOr.size")]
)
def test_an_annotation_with_no_column_type_is_refused_naming_the_field(
    entity: type[object], field: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: no column type"):
        EntityTable.of(entity, "things")


@attrs.frozen
class _Unversioned:
    id: UUID
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


def test_an_entity_without_every_bookkeeping_field_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lacks bookkeeping columns \['version'\]"):
        EntityTable.of(_Unversioned, "things")


def test_a_table_name_that_is_not_a_plain_identifier_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        EntityTable.of(Shelf, "shelves; DROP TABLE items")


@attrs.frozen
class _Shouting:
    id: UUID
    Label: str  # a field name SQL would fold to lower case
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


def test_a_field_name_that_is_not_a_plain_identifier_is_refused() -> None:
    with pytest.raises(ValueError, match="'Label' is not a plain SQL identifier"):
        EntityTable.of(_Shouting, "things")


# -- schema_mismatches -----------------------------------------------------------------

SHELVES = mapping_of(Shelf, "shelves")
MATCHING = {column.name: column.nullable for column in SHELVES.columns}


def test_a_database_table_with_the_same_columns_and_nullability_matches() -> None:
    assert schema_mismatches(SHELVES, MATCHING) == ()


def test_a_column_missing_from_the_database_is_reported_by_table_and_field() -> None:
    actual = {name: nullable for name, nullable in MATCHING.items() if name != "label"}

    assert schema_mismatches(SHELVES, actual) == (
        "shelves.label: the column is missing from the database",
    )


def test_nullability_that_differs_either_way_is_reported() -> None:
    actual = {**MATCHING, "label": True, "cost": False}

    assert schema_mismatches(SHELVES, actual) == (
        "shelves.label: the column admits NULL but the entity requires a value",
        "shelves.cost: the column is NOT NULL but the entity allows None",
    )


def test_an_extra_column_is_reported_only_when_inserts_could_not_leave_it_null() -> None:
    actual = {**MATCHING, "legacy_code": False, "note": True}

    assert schema_mismatches(SHELVES, actual) == (
        "shelves.legacy_code: the column is NOT NULL but unknown to the entity",
    )
