"""``HasElement``: "the JSON array column holds an element whose key equals a value".

Read in memory over value objects, compiled to bound-parameter SQL per dialect
(tests/integration/test_order_storage.py holds the readings to each other on both
databases). It is internal: the query language has no spelling for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from my_api.adapters.http.query_text import to_query
from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE
from my_api.application.items import ITEM_TABLE
from my_api.application.orders import ORDER_TABLE
from my_api.domain.order import PLACED, Order, OrderLine, total_of
from my_api.kernel.specification import FieldSpecification, HasElement, Operator, SqlCondition

LAMP = UUID("0190a8f4-0000-7000-8000-000000000001")
DESK = UUID("0190a8f4-0000-7000-8000-000000000002")
T0 = datetime(2026, 1, 2, tzinfo=UTC)
MAPPING = ORDER_TABLE.mapping


def an_order(*item_ids: UUID) -> Order:
    lines = tuple(
        OrderLine(item_id=item_id, quantity=n + 1, unit_price=Decimal("1.00"))
        for n, item_id in enumerate(item_ids)
    )
    return Order(
        id=UUID(int=1),
        status=PLACED,
        lines=lines,
        total=total_of(lines),
        note=None,
        created_at=T0,
        updated_at=T0,
    )


def test_an_order_holds_the_items_of_its_lines_and_no_other() -> None:
    order = an_order(LAMP, DESK)
    assert HasElement("lines", "item_id", LAMP).is_satisfied_by(order)
    assert HasElement("lines", "item_id", DESK).is_satisfied_by(order)
    assert not HasElement("lines", "item_id", UUID(int=3)).is_satisfied_by(order)
    assert HasElement("lines", "quantity", 2).is_satisfied_by(order)
    assert not HasElement("lines", "quantity", 3).is_satisfied_by(order)


def test_it_composes_with_and_and_not_in_memory() -> None:
    holds_lamp = HasElement("lines", "item_id", LAMP)
    placed = FieldSpecification("status", Operator.EQ, PLACED)
    assert (placed & holds_lamp).is_satisfied_by(an_order(LAMP))
    assert (~holds_lamp).is_satisfied_by(an_order(DESK))
    assert not (placed & ~holds_lamp).is_satisfied_by(an_order(DESK, LAMP))


def test_postgresql_asks_containment_of_a_one_element_array_as_a_bound_parameter() -> None:
    spec = FieldSpecification("status", Operator.EQ, PLACED) & HasElement("lines", "item_id", LAMP)
    assert spec.to_sql_condition(POSTGRESQL, MAPPING, first_param=3).unwrap() == SqlCondition(
        "(status = $3 AND lines @> $4::jsonb)",
        ("placed", f'[{{"item_id":"{LAMP}"}}]'),
    )


def test_sqlite_looks_through_the_array_with_json_each_for_the_bare_value() -> None:
    spec = HasElement("lines", "quantity", 2)
    assert spec.to_sql_condition(SQLITE, MAPPING, first_param=2).unwrap() == SqlCondition(
        "EXISTS (SELECT 1 FROM json_each(lines) WHERE json_extract(value, '$.quantity') = ?2)",
        (2,),
    )


def test_a_hostile_value_is_bound_never_written_into_the_text() -> None:
    hostile = "') OR 1=1; --"
    for dialect in (POSTGRESQL, SQLITE):
        condition = HasElement("lines", "note", hostile).to_sql_condition(dialect, MAPPING)
        assert hostile not in condition.unwrap().text


@pytest.mark.parametrize("key", ["item_id')", "Item", "a.b", "", "x" * 64])
def test_the_key_is_a_plain_identifier_because_it_is_written_into_the_text(key: str) -> None:
    with pytest.raises(ValueError, match="must match regex"):
        HasElement("lines", key, 1)


@pytest.mark.parametrize("value", [Decimal("12.50"), 1.5, True, None])
def test_values_with_more_than_one_json_spelling_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="compares text, integers and UUIDs"):
        HasElement("lines", "unit_price", value)


def test_only_a_not_null_json_column_can_hold_elements() -> None:
    outcome = HasElement("name", "x", 1).to_sql_condition(SQLITE, ITEM_TABLE.mapping)
    assert outcome.failure() == "name: has-element applies to NOT NULL JSON columns only"


def test_a_json_column_is_not_compared_as_a_value() -> None:
    outcome = FieldSpecification("lines", Operator.EQ, "[]").to_sql_condition(POSTGRESQL, MAPPING)
    assert outcome.failure() == "lines: a JSON column is not compared with eq"


def test_the_query_language_cannot_render_it() -> None:
    with pytest.raises(TypeError, match="internal"):
        to_query(HasElement("lines", "item_id", LAMP))
