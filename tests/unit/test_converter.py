"""The shared cattrs converter: strict structuring, exact money, fixed-width timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.http.body import parse_object
from my_api.application.items import ItemInput
from my_api.kernel.converter import (
    CONVERTER,
    format_timestamp,
    structure_each_field,
    structure_input,
)
from my_api.kernel.errors import FieldError, InvalidInput
from my_api.kernel.rules import RuleViolation

VALID: dict[str, Any] = {"name": "Lamp", "description": None, "price": "12.50", "quantity": 3}


def _codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    result = structure_input(payload, ItemInput)
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, InvalidInput)
    return [(e.field, e.code) for e in error.errors]


def _price(value: object) -> Decimal:
    return structure_input({**VALID, "price": value}, ItemInput).unwrap().price


# -- strict scalar hooks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target"),
    [
        (123, str),
        (True, str),
        (None, str),
        ("7", int),
        (True, int),
        (False, int),
        (Decimal("7"), int),
        (7.0, int),
        (True, Decimal),
        (7.5, Decimal),
        ("1e5", Decimal),
        ("NaN", Decimal),
        ("", Decimal),
        (["1"], Decimal),
        (42, UUID),
        ("not-a-uuid", UUID),
    ],
)
def test_a_json_value_of_the_wrong_kind_is_refused_with_code_type(
    value: object, target: type
) -> None:
    with pytest.raises(RuleViolation) as refused:
        CONVERTER.structure(value, target)

    assert refused.value.code == "type"


def test_a_number_is_not_a_name_and_a_numeric_string_is_not_a_quantity() -> None:
    assert _codes({**VALID, "name": 123, "quantity": "7"}) == [
        ("name", "type"),
        ("quantity", "type"),
    ]


@pytest.mark.parametrize("field", ["quantity", "price"])
def test_true_is_not_a_number(field: str) -> None:
    assert _codes({**VALID, field: True}) == [(field, "type")]


def test_a_price_in_exponent_notation_is_refused_as_a_string() -> None:
    assert _codes({**VALID, "price": "1e5"}) == [("price", "type")]


def test_a_price_in_exponent_notation_is_accepted_as_a_json_number() -> None:
    document = parse_object(b'{"name": "Lamp", "price": 1e5, "quantity": 3}').unwrap()

    assert structure_input(document, ItemInput) == Success(
        ItemInput(name="Lamp", price=Decimal("100000.00"), quantity=3)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", "12.50"),
        ("12", "12.00"),
        ("0012.50", "12.50"),
        (12, "12.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("1.2E+2"), "120.00"),
        (Decimal("0.010"), "0.01"),
    ],
)
def test_a_valid_price_in_any_spelling_becomes_an_amount_with_two_decimals(
    value: object, expected: str
) -> None:
    price = _price(value)

    assert str(price) == expected
    assert price.as_tuple().exponent == -2


def test_a_price_from_a_json_number_is_exact_and_never_goes_through_float() -> None:
    document = parse_object(b'{"name": "Lamp", "price": 9999999999.99, "quantity": 3}').unwrap()

    assert structure_input(document, ItemInput).unwrap().price == Decimal("9999999999.99")


@pytest.mark.parametrize("spelling", ["١٢.٥٠", "１２.５０", "१२.५०"])  # noqa: RUF001
def test_a_price_string_of_non_ascii_digits_is_refused(spelling: str) -> None:
    assert _codes({**VALID, "price": spelling}) == [("price", "type")]


# -- structure_input -----------------------------------------------------------------


def test_description_may_be_omitted_and_then_is_null() -> None:
    dto = structure_input({"name": "Lamp", "price": "1.00", "quantity": 0}, ItemInput).unwrap()

    assert dto.description is None


def test_every_bad_field_is_reported_at_once_in_declaration_order() -> None:
    payload = {"quantity": -1, "price": "0.001", "description": 5, "name": "", "colour": "red"}

    assert _codes(payload) == [
        ("colour", "unknown_field"),
        ("name", "too_short"),
        ("description", "type"),
        ("price", "too_precise"),
        ("quantity", "out_of_range"),
    ]


def test_every_missing_required_field_is_reported() -> None:
    assert _codes({"description": "x"}) == [
        ("name", "required"),
        ("price", "required"),
        ("quantity", "required"),
    ]


def test_a_refusal_says_why_in_words_as_well_as_in_a_code() -> None:
    result = structure_input({**VALID, "quantity": -1}, ItemInput)

    assert isinstance(result, Failure)
    (error,) = result.failure().errors
    assert error.message
    assert error.message != error.code


# -- what is the client's mistake and what is a bug ---------------------------------------


def _broken_rule(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    """A rule with a bug: it compares text with a number."""
    if value < 3:  # type: ignore[operator]  # the bug under test
        raise RuleViolation("too_small", "must be at least 3")


@attrs.frozen(kw_only=True)
class _BuggyRule:
    label: str = attrs.field(validator=_broken_rule)


@attrs.frozen(kw_only=True)
class _PlainAttrsCheck:
    label: str = attrs.field(validator=attrs.validators.max_len(4))


@pytest.mark.parametrize("structure", [structure_input, structure_each_field])
def test_a_bug_inside_a_validator_propagates_instead_of_becoming_invalid_input(
    structure: Callable[[dict[str, Any], type[_BuggyRule]], object],
) -> None:
    with pytest.raises(TypeError, match="not supported between"):
        structure({"label": "lamp"}, _BuggyRule)


@pytest.mark.parametrize("structure", [structure_input, structure_each_field])
def test_only_a_rule_violation_refuses_a_value_so_a_plain_attrs_check_is_not_a_422(
    structure: Callable[[dict[str, Any], type[_PlainAttrsCheck]], object],
) -> None:
    with pytest.raises(ValueError, match="Length of 'label' must be <= 4"):
        structure({"label": "too long"}, _PlainAttrsCheck)


def test_a_payload_missing_a_required_field_is_invalid_input_not_a_constructor_error() -> None:
    assert structure_input({"name": "Lamp", "price": "1.00"}, ItemInput) == Failure(
        InvalidInput((FieldError("quantity", "is required", "required"),))
    )


# -- unstructuring -------------------------------------------------------------------


def test_uuids_and_decimals_unstructure_to_strings() -> None:
    value = UUID("0190f3c5-7a4e-7b6a-9c3e-123456789abc")

    assert CONVERTER.unstructure(value) == str(value)
    assert CONVERTER.unstructure(Decimal("12.50")) == "12.50"


def test_a_dto_unstructures_to_the_json_a_client_would_send() -> None:
    dto = ItemInput(name="Lamp", description=None, price=Decimal("12.5"), quantity=3)

    assert CONVERTER.unstructure(dto) == {
        "name": "Lamp",
        "description": None,
        "price": "12.50",
        "quantity": 3,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 26, 4, 14, 24, tzinfo=UTC), "2026-11-26T04:14:24.000000Z"),
        (
            datetime(2026, 1, 1, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=1))),
            "2026-01-01T00:00:00.000005Z",
        ),
    ],
)
def test_timestamps_render_in_utc_with_microseconds_and_z(value: datetime, expected: str) -> None:
    assert format_timestamp(value) == expected
    assert CONVERTER.unstructure(value) == expected


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_rendered_timestamp_is_fixed_width_and_reads_back_equal(value: datetime) -> None:
    text = format_timestamp(value)

    assert len(text) == len("2026-11-26T04:14:24.000000Z")
    assert datetime.fromisoformat(text) == value
