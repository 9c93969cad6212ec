"""The domain rules of ``domain/rules.py`` as the Item entity applies them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from my_api.domain.item import DESCRIPTION, NAME, PRICE, QUANTITY, Item
from my_api.kernel.rules import CENT, RuleViolation, integer, money, text, to_cents
from tests.strategies import MAX_INT32, MAX_PRICE, MIN_PRICE, prices, unicode_text

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
Rule = Any


def _violation(rule: Rule, value: object) -> str:
    """The code ``rule`` refuses ``value`` with."""
    with pytest.raises(RuleViolation) as refused:
        rule(None, None, value)
    return refused.value.code


def _accepts(rule: Rule, value: object) -> bool:
    rule(None, None, value)
    return True


def _item(**changes: Any) -> Item:
    fields: dict[str, Any] = {
        "id": UUID(int=1),
        "name": "Lamp",
        "description": None,
        "price": Decimal("12.50"),
        "quantity": 3,
        "created_at": T0,
        "updated_at": T0,
    }
    return Item(**{**fields, **changes})


# -- text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "type"),
        (12, "type"),
        (b"Lamp", "type"),
        ("", "too_short"),
        ("x" * 256, "too_long"),
        ("\U0001f4a1" * 256, "too_long"),
        ("La\x00mp", "invalid_character"),
        ("La\ud800mp", "invalid_character"),
        ("\udfff", "invalid_character"),
    ],
)
def test_a_name_breaking_a_rule_is_refused_with_its_code(value: object, code: str) -> None:
    assert _violation(NAME, value) == code


@pytest.mark.parametrize(
    "value", ["x", "x" * 255, "\U0001f4a1" * 255, "Ünïcödé \u202e 日本語 \U0001f600"]
)
def test_a_name_of_1_to_255_code_points_is_accepted(value: str) -> None:
    assert _accepts(NAME, value)


@pytest.mark.parametrize("value", [None, "", "x" * 1000, "\U0001f600" * 1000])
def test_a_description_may_be_null_empty_or_up_to_1000_code_points(value: str | None) -> None:
    assert _accepts(DESCRIPTION, value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (5, "type"),
        ("x" * 1001, "too_long"),
        ("a\x00", "invalid_character"),
        ("\ud83d", "invalid_character"),
    ],
)
def test_a_description_breaking_a_rule_is_refused_with_its_code(value: object, code: str) -> None:
    assert _violation(DESCRIPTION, value) == code


def test_a_nullable_text_rule_says_so_in_its_type_message() -> None:
    with pytest.raises(RuleViolation) as refused:
        DESCRIPTION(None, None, 5)

    assert "null" in refused.value.message


@given(unicode_text(min_size=1, max_size=255))
def test_any_storable_text_within_bounds_is_a_valid_name(value: str) -> None:
    assert _accepts(NAME, value)


@given(unicode_text(max_size=20), unicode_text(max_size=20))
def test_a_nul_anywhere_is_refused(before: str, after: str) -> None:
    assert _violation(NAME, before + "\x00" + after) == "invalid_character"


def test_text_bounds_come_from_the_rule_parameters() -> None:
    short = text(min_length=2, max_length=3)

    assert _violation(short, "a") == "too_short"
    assert _violation(short, "abcd") == "too_long"
    assert _accepts(short, "abc")


# -- integers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (True, "type"),
        (False, "type"),
        ("3", "type"),
        (3.0, "type"),
        (Decimal(3), "type"),
        (-1, "out_of_range"),
        (MAX_INT32 + 1, "out_of_range"),
    ],
)
def test_a_quantity_breaking_a_rule_is_refused_with_its_code(value: object, code: str) -> None:
    assert _violation(QUANTITY, value) == code


@pytest.mark.parametrize("value", [0, 1, MAX_INT32])
def test_a_quantity_from_0_to_2_pow_31_minus_1_is_accepted(value: int) -> None:
    assert _accepts(QUANTITY, value)


def test_integer_bounds_are_inclusive() -> None:
    rule = integer(minimum=-2, maximum=2)

    assert _accepts(rule, -2)
    assert _accepts(rule, 2)
    assert _violation(rule, 3) == "out_of_range"


# -- money ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (12, "type"),
        (12.5, "type"),
        ("12.50", "type"),
        (Decimal("NaN"), "type"),
        (Decimal("sNaN"), "type"),
        (Decimal("Infinity"), "type"),
        (Decimal("0"), "out_of_range"),
        (Decimal("-0.01"), "out_of_range"),
        (Decimal("-0.001"), "out_of_range"),
        (Decimal("10000000000"), "out_of_range"),
        (Decimal("1E+30"), "out_of_range"),
        (Decimal("0.001"), "too_precise"),
        (Decimal("9999999999.999"), "too_precise"),
        (Decimal("1E-1000"), "too_precise"),
    ],
)
def test_a_price_breaking_a_rule_is_refused_with_its_code(value: object, code: str) -> None:
    assert _violation(PRICE, value) == code


@pytest.mark.parametrize(
    "value",
    [MIN_PRICE, MAX_PRICE, Decimal("1"), Decimal("1.5"), Decimal("1.50"), Decimal("0.010")],
)
def test_a_positive_price_of_at_most_10_integer_and_2_fraction_digits_is_accepted(
    value: Decimal,
) -> None:
    assert _accepts(PRICE, value)


def test_money_limits_integer_digits_as_declared() -> None:
    rule = money(integer_digits=2)

    assert _accepts(rule, Decimal("99.99"))
    assert _violation(rule, Decimal("100")) == "out_of_range"


# -- to_cents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.5"), "12.50"),
        (Decimal("12"), "12.00"),
        (Decimal("1E+1"), "10.00"),
        (Decimal("0.010"), "0.01"),
        (Decimal("-1.5"), "-1.50"),
        (Decimal("9999999999.99"), "9999999999.99"),
    ],
)
def test_to_cents_presents_an_exact_amount_with_two_decimals(value: Decimal, expected: str) -> None:
    cents = to_cents(value)

    assert str(cents) == expected
    assert cents == value


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0.001"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1E+25"),
        Decimal("1E-1000"),
        "12.5",
        12,
        12.5,
        None,
    ],
)
def test_to_cents_leaves_anything_it_cannot_present_exactly_for_the_validator(
    value: object,
) -> None:
    assert to_cents(value) is value


@given(prices)
def test_to_cents_is_the_identity_on_valid_prices_and_keeps_two_places(price: Decimal) -> None:
    cents = to_cents(price)

    assert cents == price
    assert cents.as_tuple().exponent == -2


@given(st.decimals())
def test_to_cents_never_raises_and_is_idempotent(value: Decimal) -> None:
    once = to_cents(value)

    assert str(to_cents(once)) == str(once)
    if not value.is_nan():
        assert once == value


@given(st.integers(1, 10**12), st.integers(0, 8))
def test_to_cents_drops_only_trailing_zeros_beyond_the_cents(cents: int, extra: int) -> None:
    padded = Decimal(cents * 10**extra).scaleb(-2 - extra)

    assert to_cents(padded).as_tuple() == Decimal(cents).scaleb(-2).as_tuple()
    assert to_cents(padded).quantize(CENT) == padded


# -- the entity ----------------------------------------------------------------------


def test_an_item_holds_its_price_in_cents() -> None:
    assert str(_item(price=Decimal("12.5")).price) == "12.50"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "too_short"),
        ({"description": "x" * 1001}, "too_long"),
        ({"price": Decimal("0.001")}, "too_precise"),
        ({"price": Decimal(0)}, "out_of_range"),
        ({"quantity": -1}, "out_of_range"),
    ],
)
def test_an_item_cannot_be_built_breaking_a_rule(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        _item(**changes)

    assert refused.value.code == code


def test_an_evolved_item_is_checked_and_converted_again() -> None:
    item = _item()

    assert str(attrs.evolve(item, price=Decimal("3")).price) == "3.00"
    with pytest.raises(RuleViolation):
        attrs.evolve(item, quantity=-5)


def test_a_rule_violation_is_a_value_error_carrying_code_and_message() -> None:
    violation = RuleViolation("too_long", "must have at most 3 characters")

    assert isinstance(violation, ValueError)
    assert (violation.code, violation.message, str(violation)) == (
        "too_long",
        "must have at most 3 characters",
        "must have at most 3 characters",
    )
