"""The rules of ``domain/order.py`` and of the order input (``application/orders.py``).

A client's mistakes come back as 422 field errors named by their path in the body
(``lines[1].quantity``); the entity refuses, on construction, anything the input
would have refused and anything inconsistent (a total that is not its lines' sum).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from returns.result import Failure, Success

from my_api.application.orders import ORDER_TABLE, ORDERS, OrderInput, OrderLineInput
from my_api.domain.order import (
    CANCELLED,
    PLACED,
    Order,
    OrderLine,
    total_of,
)
from my_api.kernel.converter import structure_input
from my_api.kernel.errors import FieldError, InvalidInput
from my_api.kernel.listing import Catalog
from my_api.kernel.rules import NestedViolation, RuleViolation
from my_api.kernel.table import ColumnType, EntityTable, stored_as

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LAMP = UUID("0190a8f4-0000-7000-8000-000000000001")
DESK = UUID("0190a8f4-0000-7000-8000-000000000002")


def a_line(item_id: UUID = LAMP, quantity: int = 2, unit_price: str = "12.50") -> OrderLine:
    return OrderLine(item_id=item_id, quantity=quantity, unit_price=Decimal(unit_price))


def an_order(**changes: Any) -> Order:
    lines = changes.pop("lines", (a_line(), a_line(DESK, 1, "100.00")))
    fields: dict[str, Any] = {
        "id": UUID(int=7),
        "status": PLACED,
        "lines": lines,
        "note": None,
        "created_at": T0,
        "updated_at": T0,
    }
    if "total" not in changes:
        fields["total"] = total_of(lines)
    return Order(**{**fields, **changes})


def refused_fields(payload: dict[str, Any]) -> list[tuple[str, str]]:
    outcome = structure_input(payload, OrderInput)
    assert isinstance(outcome, Failure), outcome
    error = outcome.failure()
    return [(field_error.field, field_error.code) for field_error in error.errors]


# -- the entity -------------------------------------------------------------------------


def test_an_order_totals_its_lines_exactly() -> None:
    order = an_order()
    assert order.total == Decimal("125.00")
    assert str(order.total) == "125.00"


def test_lines_given_as_json_become_value_objects_equal_to_those_built_in_code() -> None:
    as_json = [
        {"item_id": str(LAMP), "quantity": 2, "unit_price": "12.50"},
        {"item_id": str(DESK), "quantity": 1, "unit_price": "100.00"},
    ]
    assert an_order(lines=as_json, total=Decimal("125.00")) == an_order()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": "shipped"}, "not_allowed"),
        ({"lines": ()}, "too_short"),
        ({"lines": tuple(a_line(UUID(int=n)) for n in range(51))}, "too_long"),
        ({"note": "x" * 501}, "too_long"),
    ],
)
def test_the_entity_refuses_what_its_rules_refuse(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        an_order(**changes)
    assert refused.value.code == code


def test_an_order_with_the_same_item_twice_names_the_repeat() -> None:
    with pytest.raises(NestedViolation) as refused:
        an_order(lines=(a_line(), a_line(DESK), a_line()))
    assert refused.value.errors == (
        FieldError("[2].item_id", "repeats the item_id of [0]", "duplicate"),
    )


def test_a_total_that_is_not_the_sum_of_the_lines_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        an_order(total=Decimal("125.01"))
    assert refused.value.code == "inconsistent_total"


@pytest.mark.parametrize(
    ("quantity", "unit_price", "code"),
    [(0, "1.00", "out_of_range"), (10_001, "1.00", "out_of_range"), (1, "0.001", "too_precise")],
)
def test_a_line_refuses_quantities_and_prices_out_of_its_rules(
    quantity: int, unit_price: str, code: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        a_line(quantity=quantity, unit_price=unit_price)
    assert refused.value.code == code


def test_the_largest_total_valid_lines_can_make_is_a_valid_exact_total() -> None:
    lines = tuple(
        a_line(UUID(int=n), quantity=10_000, unit_price="9999999999.99") for n in range(50)
    )
    assert an_order(lines=lines).total == Decimal("4999999999995000.00")


def test_every_status_is_one_of_the_two() -> None:
    assert {an_order(status=status).status for status in (PLACED, CANCELLED)} == {
        "placed",
        "cancelled",
    }


# -- the table and the declaration ---------------------------------------------------------


def test_the_lines_are_one_not_null_json_column_and_the_total_is_stored_as_cents() -> None:
    lines, total = ORDER_TABLE.mapping.column("lines"), ORDER_TABLE.mapping.column("total")
    assert (lines.type, lines.nullable) == (ColumnType.JSON, False)
    assert (total.type, total.nullable) == (ColumnType.CENTS, False)


def test_only_a_decimal_is_stored_as_cents() -> None:
    @attrs.frozen
    class Wrong:
        id: UUID
        count: int = attrs.field(metadata=stored_as(ColumnType.CENTS))

    with pytest.raises(ValueError, match=r"Wrong.count: only a Decimal is stored as cents"):
        EntityTable.of(Wrong, "wrongs")


def test_a_json_column_can_be_neither_filtered_nor_sorted_on() -> None:
    columns = {column.name: column for column in ORDER_TABLE.mapping.columns}
    with pytest.raises(ValueError, match=r"neither filtered nor sorted on: \['lines'\]"):
        Catalog(filterable={"lines": columns["lines"]}, sortable=frozenset(), columns=columns)
    with pytest.raises(ValueError, match=r"neither filtered nor sorted on: \['lines'\]"):
        Catalog(filterable={}, sortable=frozenset({"lines"}), columns=columns)


def test_orders_are_filtered_and_sorted_on_the_declared_fields() -> None:
    catalog = ORDERS.catalog
    assert set(catalog.filterable) == {"id", "status", "total", "created_at"}
    assert catalog.sortable == {"id", "total", "created_at"}


def test_the_view_shows_lines_and_amounts_as_the_api_does() -> None:
    view = ORDERS.view(an_order(note="by noon"))
    assert list(view["lines"]) == [
        {"item_id": str(LAMP), "quantity": 2, "unit_price": "12.50"},
        {"item_id": str(DESK), "quantity": 1, "unit_price": "100.00"},
    ]
    assert (view["total"], view["status"], view["note"]) == ("125.00", "placed", "by noon")
    assert "deleted_at" not in view


# -- the input ------------------------------------------------------------------------------


def test_a_valid_body_becomes_the_input() -> None:
    payload = {"lines": [{"item_id": str(LAMP), "quantity": 2}], "note": "by noon"}
    assert structure_input(payload, OrderInput) == Success(
        OrderInput(lines=(OrderLineInput(item_id=LAMP, quantity=2),), note="by noon")
    )


def test_the_note_may_be_left_out() -> None:
    outcome = structure_input({"lines": [{"item_id": str(LAMP), "quantity": 1}]}, OrderInput)
    assert outcome.map(lambda dto: dto.note) == Success(None)


def test_every_bad_line_field_is_named_by_its_path() -> None:
    payload = {
        "lines": [
            {"item_id": str(LAMP), "quantity": 0},
            {"item_id": "not-a-uuid", "quantity": 10_001},
            {"item_id": str(DESK), "quantity": 1, "price": "1.00"},
            {"quantity": 1},
            "a line",
        ],
        "note": "x" * 501,
    }
    assert refused_fields(payload) == [
        ("lines[0].quantity", "out_of_range"),
        ("lines[1].item_id", "type"),
        ("lines[1].quantity", "out_of_range"),
        ("lines[2].price", "unknown_field"),
        ("lines[3].item_id", "required"),
        ("lines[4]", "type"),
        ("note", "too_long"),
    ]


def test_the_same_item_twice_is_refused_naming_each_repeated_line() -> None:
    line = {"item_id": str(LAMP), "quantity": 1}
    other = {"item_id": str(DESK), "quantity": 1}
    assert refused_fields({"lines": [line, other, line, line]}) == [
        ("lines[2].item_id", "duplicate"),
        ("lines[3].item_id", "duplicate"),
    ]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "too_short"),
        ([{"item_id": str(UUID(int=n)), "quantity": 1} for n in range(51)], "too_long"),
        ({"item_id": str(LAMP), "quantity": 1}, "type"),
        ("lines", "type"),
    ],
)
def test_lines_must_be_an_array_of_one_to_fifty(lines: object, code: str) -> None:
    assert refused_fields({"lines": lines}) == [("lines", code)]


def test_unknown_fields_and_missing_lines_are_refused() -> None:
    assert refused_fields({"status": "cancelled"}) == [
        ("status", "unknown_field"),
        ("lines", "required"),
    ]


def test_a_refused_body_is_invalid_input() -> None:
    outcome = structure_input({"lines": []}, OrderInput)
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), InvalidInput)
