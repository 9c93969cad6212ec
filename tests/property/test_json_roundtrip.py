"""Laws of the JSON boundary: what the API writes, it reads back unchanged."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import orjson
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.http.body import parse_object
from my_api.application.items import ITEMS, ItemInput
from my_api.domain.item import Item
from my_api.kernel.converter import CONVERTER, structure_each_field, structure_input
from my_api.kernel.errors import InvalidInput
from my_api.kernel.rules import integer, text
from tests.strategies import (
    WRITABLE_FIELDS,
    input_payloads,
    invalid_payloads,
    items,
    json_body,
    rendered_price,
)

TWO_DECIMALS = re.compile(r"[1-9]\d{0,9}\.\d{2}|0\.\d{2}")

dto_classes = st.just(ItemInput)


def _over_the_wire(entity: Item) -> dict[str, Any]:
    """The ``data`` document a client receives, read back by the server's own parser."""
    return parse_object(orjson.dumps(ITEMS.view(entity))).unwrap()


@given(items())
def test_an_entity_shown_to_a_client_and_sent_back_as_a_put_keeps_its_writable_fields(
    entity: Item,
) -> None:
    document = _over_the_wire(entity)
    payload = {name: document[name] for name in WRITABLE_FIELDS}

    dto = structure_input(payload, ItemInput).unwrap()

    assert attrs.asdict(dto) == ITEMS.writable(entity)
    assert ITEMS.replaced(entity, dto) == entity


@given(items())
def test_the_view_shows_every_attribute_but_deleted_at_and_timestamps_read_back_equal(
    entity: Item,
) -> None:
    document = _over_the_wire(entity)

    assert set(document) == {field.name for field in attrs.fields(Item)} - {"deleted_at"}
    assert document["id"] == str(entity.id)
    assert datetime.fromisoformat(document["created_at"]) == entity.created_at
    assert datetime.fromisoformat(document["updated_at"]) == entity.updated_at
    assert document["created_at"].endswith("Z")


@given(items())
def test_a_price_is_always_shown_as_a_string_with_exactly_two_decimals(entity: Item) -> None:
    shown = _over_the_wire(entity)["price"]

    assert isinstance(shown, str)
    assert TWO_DECIMALS.fullmatch(shown), shown
    assert Decimal(shown) == entity.price


@given(dto_classes, input_payloads())
def test_a_dto_unstructured_and_structured_again_is_the_same_dto(
    cls: type[ItemInput], payload: dict[str, Any]
) -> None:
    dto = structure_input(payload, cls).unwrap()

    assert structure_input(CONVERTER.unstructure(dto), cls) == Success(dto)


@given(dto_classes, input_payloads())
def test_every_valid_payload_structures_to_a_dto_holding_its_values(
    cls: type[ItemInput], payload: dict[str, Any]
) -> None:
    result = structure_input(payload, cls)

    assert isinstance(result, Success)
    dto = result.unwrap()
    assert dto.name == payload["name"]
    assert dto.description == payload.get("description")
    assert format(dto.price, "f") == rendered_price(payload["price"])
    assert dto.quantity == payload["quantity"]


@given(dto_classes, input_payloads())
def test_a_valid_payload_sent_as_json_structures_like_the_decoded_payload(
    cls: type[ItemInput], payload: dict[str, Any]
) -> None:
    decoded = parse_object(json_body(payload)).unwrap()

    assert structure_input(decoded, cls) == structure_input(payload, cls)


@given(dto_classes, invalid_payloads())
def test_a_payload_with_one_broken_field_is_invalid_input_naming_exactly_that_field(
    cls: type[ItemInput], case: tuple[dict[str, Any], str]
) -> None:
    payload, field = case

    result = structure_input(payload, cls)

    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, InvalidInput)
    assert [e.field for e in error.errors] == [field]


@given(dto_classes, invalid_payloads())
def test_a_broken_payload_sent_as_json_is_refused_for_the_same_field(
    cls: type[ItemInput], case: tuple[dict[str, Any], str]
) -> None:
    payload, field = case
    decoded = parse_object(json_body(payload)).unwrap()

    result = structure_input(decoded, cls)

    assert isinstance(result, Failure)
    assert [e.field for e in result.failure().errors] == [field]


def _to_cents(units: int) -> int:
    return units * 100


@attrs.frozen(kw_only=True)
class _Cents:
    """What a future DTO may have and the item DTOs do not: a converter that changes
    its value again when applied twice, a factory default, rules checked after conversion.
    """

    amount: int = attrs.field(
        converter=_to_cents, validator=integer(minimum=-(2**63), maximum=10_000)
    )
    label: str = attrs.field(factory=lambda: "none", validator=text(min_length=0, max_length=4))


_any_json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-1000, max_value=1000),
    st.text(max_size=6),
    # Exponents and any number of places: whether a converter ran shows in the digits.
    st.decimals(allow_nan=False, allow_infinity=False),
)


@given(
    st.one_of(
        st.tuples(dto_classes, input_payloads()),
        st.tuples(dto_classes, invalid_payloads().map(lambda broken: broken[0])),
        # Anything at all: several wrong fields, missing ones, values of any JSON kind.
        st.tuples(
            dto_classes,
            st.dictionaries(st.sampled_from([*WRITABLE_FIELDS, "bogus"]), _any_json_scalar),
        ),
    )
)
def test_the_one_pass_shortcut_gives_the_field_by_field_answer(
    case: tuple[type[Any], dict[str, Any]],
) -> None:
    """``structure_input`` skips per-field checks when ``cls`` accepts the whole
    payload at once; valid or not, the answer must be the reference's. Compared by
    ``repr``, because ``Decimal("1.1") == Decimal("1.10")`` would hide a converter
    that ran too often or not at all.
    """
    cls, payload = case

    assert repr(structure_input(payload, cls)) == repr(structure_each_field(payload, cls))


@given(
    st.one_of(
        # Mostly valid: the shortcut is taken, and a converter run twice would show.
        st.fixed_dictionaries(
            {"amount": st.integers(min_value=-5, max_value=150)},
            optional={"label": st.text(max_size=6)},
        ),
        st.dictionaries(st.sampled_from(["amount", "label", "bogus"]), _any_json_scalar),
    )
)
def test_the_shortcut_agrees_on_converters_defaults_and_rules_after_conversion(
    payload: dict[str, Any],
) -> None:
    assert repr(structure_input(payload, _Cents)) == repr(structure_each_field(payload, _Cents))
