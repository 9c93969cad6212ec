"""A number with any exponent, however large or small, is a 422 naming its field (or
accepted when it is a valid amount), never an exception.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.http.body import parse_object
from my_api.application.items import ItemInput
from my_api.kernel.converter import structure_input
from my_api.kernel.errors import InvalidInput

# Around the context's limits (Emax 999999), Decimal's own (about 10**18), and far beyond.
EXPONENTS = st.one_of(
    st.integers(-2_000_000, 2_000_000),
    st.sampled_from([999_999, 1_000_000, -999_999, -1_000_000, 10**18, -(10**18)]),
    st.integers(-(10**30), 10**30),
)


def _price_errors(body: bytes) -> list[str] | None:
    """The codes refusing ``price``; None if the item is accepted."""
    document = parse_object(body).unwrap()
    result = structure_input(document, ItemInput)
    if isinstance(result, Success):
        return None
    error = result.failure()
    assert isinstance(error, InvalidInput)
    return [e.code for e in error.errors if e.field == "price"]


@given(st.integers(1, 99), EXPONENTS, st.sampled_from(["", "-"]))
def test_a_price_with_any_exponent_is_accepted_or_refused_as_a_value(
    mantissa: int, exponent: int, sign: str
) -> None:
    body = f'{{"name":"a","price":{sign}{mantissa}e{exponent},"quantity":1}}'.encode()

    codes = _price_errors(body)  # must not raise

    assert (codes is None) == _valid_price(sign, mantissa, exponent)
    assert codes is None or set(codes) <= {"out_of_range", "too_precise"}


def _valid_price(sign: str, mantissa: int, exponent: int) -> bool:
    if sign or abs(exponent) > 20:  # no positive amount that far out is a valid price
        return False
    value = Decimal(mantissa).scaleb(exponent)
    return value < 10**10 and value == value.quantize(Decimal("0.01"))


def test_the_exponents_the_fuzzer_found_are_refused_for_price() -> None:
    for number in ("1e1000000", "1e999999", "1e-1000000", "1e99999999999999999999"):
        body = f'{{"name":"a","price":{number},"quantity":1}}'.encode()

        assert _price_errors(body), number


def test_a_number_decimal_cannot_hold_is_refused_for_its_field_not_the_body() -> None:
    parsed = parse_object(b'{"quantity": 1e99999999999999999999}')

    assert isinstance(parsed, Success)
    refused = structure_input({**parsed.unwrap(), "name": "a", "price": "1"}, ItemInput)
    assert isinstance(refused, Failure)
    assert [e.field for e in refused.failure().errors] == ["quantity"]
