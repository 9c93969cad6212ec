"""The row reader: driven by the entity's fields, through its constructor, checked when built."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import attrs
import pytest

from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE
from my_api.adapters.sql.row_reader import make_row_reader
from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.rules import RuleViolation
from my_api.kernel.table import Column, ColumnType, EntityTable, TableMapping

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
LAMP = Item(
    id=UUID(int=7),
    name="Lamp",
    description=None,
    price=Decimal("12.50"),
    quantity=3,
    created_at=T0,
    updated_at=T0,
    version=2,
)
ITEM_COLUMNS = ITEM_TABLE.mapping.columns


def _items_with(columns: tuple[Column, ...]) -> EntityTable[Item]:
    return EntityTable(Item, TableMapping("items", columns))


def test_a_postgresql_row_becomes_the_equal_item() -> None:
    read = make_row_reader(ITEM_TABLE, POSTGRESQL)

    assert read(tuple(getattr(LAMP, name) for name in ITEM_TABLE.mapping.names)) == LAMP


def test_a_sqlite_row_is_decoded_and_normalised_by_the_entity_converters() -> None:
    row = (str(LAMP.id), "Lamp", None, 12.5, 3, T0.isoformat(), T0.isoformat(), 2, None)

    item = make_row_reader(ITEM_TABLE, SQLITE)(row)

    assert item == LAMP
    assert str(item.price) == "12.50"


def test_a_row_that_breaks_a_rule_is_refused_by_the_constructor_not_read_into_an_item() -> None:
    row = (LAMP.id, "", None, Decimal("12.50"), 3, T0, T0, 2, None)

    with pytest.raises(RuleViolation):
        make_row_reader(ITEM_TABLE, POSTGRESQL)(row)


def test_a_mapping_missing_an_entity_field_is_refused_when_the_reader_is_built() -> None:
    table = _items_with(tuple(column for column in ITEM_COLUMNS if column.name != "quantity"))

    expected = r"^cannot read rows of items: Item\.quantity has no column$"
    with pytest.raises(ValueError, match=expected):
        make_row_reader(table, POSTGRESQL)


def test_a_column_no_entity_field_takes_is_refused_when_the_reader_is_built() -> None:
    table = _items_with((*ITEM_COLUMNS, Column("colour", ColumnType.TEXT)))

    with pytest.raises(ValueError, match=r"items\.colour is no attribute of Item$"):
        make_row_reader(table, SQLITE)


def test_columns_out_of_field_order_are_refused_when_the_reader_is_built() -> None:
    table = _items_with((ITEM_COLUMNS[1], ITEM_COLUMNS[0], *ITEM_COLUMNS[2:]))

    with pytest.raises(ValueError, match="not in the order of Item's fields"):
        make_row_reader(table, POSTGRESQL)


@attrs.frozen(kw_only=True)
class _KeywordsOnly:
    id: UUID
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


def test_an_entity_with_keyword_only_fields_is_refused_when_the_reader_is_built() -> None:
    with pytest.raises(ValueError, match=r"_KeywordsOnly\.id is not a positional argument"):
        make_row_reader(EntityTable.of(_KeywordsOnly, "things"), POSTGRESQL)
