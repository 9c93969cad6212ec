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

from my_api.adapters.api.body import parse_object
from my_api.application.items import ITEMS, ItemCreate, ItemReplace
from my_api.core.errors import InvalidInput
from my_api.domain.item import Item
from my_api.shared.converter import CONVERTER, structure_each_field, structure_input
from tests.strategies import (
    WRITABLE_FIELDS,
    create_payloads,
    invalid_payloads,
    items,
    json_body,
    rendered_price,
    replace_payloads,
)

TWO_DECIMALS = re.compile(r"[1-9]\d{0,9}\.\d{2}|0\.\d{2}")

dto_classes = st.sampled_from([ItemCreate, ItemReplace])


def _over_the_wire(entity: Item) -> dict[str, Any]:
    """The ``data`` document a client receives, read back by the server's own parser."""
    return parse_object(orjson.dumps(ITEMS.view(entity))).unwrap()


@given(items())
def test_an_entity_shown_to_a_client_and_sent_back_as_a_put_keeps_its_writable_fields(
    entity: Item,
) -> None:
    document = _over_the_wire(entity)
    payload = {name: document[name] for name in WRITABLE_FIELDS}

    dto = structure_input(payload, ItemReplace).unwrap()

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


@given(dto_classes, replace_payloads())
def test_a_dto_unstructured_and_structured_again_is_the_same_dto(
    cls: type[ItemCreate] | type[ItemReplace], payload: dict[str, Any]
) -> None:
    dto = structure_input(payload, cls).unwrap()

    assert structure_input(CONVERTER.unstructure(dto), cls) == Success(dto)


@given(dto_classes, create_payloads())
def test_every_valid_payload_structures_to_a_dto_holding_its_values(
    cls: type[ItemCreate] | type[ItemReplace], payload: dict[str, Any]
) -> None:
    result = structure_input(payload, cls)

    assert isinstance(result, Success)
    dto = result.unwrap()
    assert dto.name == payload["name"]
    assert dto.description == payload.get("description")
    assert format(dto.price, "f") == rendered_price(payload["price"])
    assert dto.quantity == payload["quantity"]


@given(dto_classes, create_payloads())
def test_a_valid_payload_sent_as_json_structures_like_the_decoded_payload(
    cls: type[ItemCreate] | type[ItemReplace], payload: dict[str, Any]
) -> None:
    decoded = parse_object(json_body(payload)).unwrap()

    assert structure_input(decoded, cls) == structure_input(payload, cls)


@given(dto_classes, invalid_payloads())
def test_a_payload_with_one_broken_field_is_invalid_input_naming_exactly_that_field(
    cls: type[ItemCreate] | type[ItemReplace], case: tuple[dict[str, Any], str]
) -> None:
    payload, field = case

    result = structure_input(payload, cls)

    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, InvalidInput)
    assert [e.field for e in error.errors] == [field]


@given(dto_classes, invalid_payloads())
def test_a_broken_payload_sent_as_json_is_refused_for_the_same_field(
    cls: type[ItemCreate] | type[ItemReplace], case: tuple[dict[str, Any], str]
) -> None:
    payload, field = case
    decoded = parse_object(json_body(payload)).unwrap()

    result = structure_input(decoded, cls)

    assert isinstance(result, Failure)
    assert [e.field for e in result.failure().errors] == [field]


@given(
    dto_classes,
    st.one_of(
        create_payloads(),
        invalid_payloads().map(lambda broken: broken[0]),
        # Anything at all: several wrong fields, missing ones, values of any JSON kind.
        st.dictionaries(
            st.sampled_from([*WRITABLE_FIELDS, "bogus"]),
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.text(max_size=5),
                st.decimals(allow_nan=False, allow_infinity=False, places=2),
            ),
        ),
    ),
)
def test_the_one_pass_shortcut_gives_the_field_by_field_answer(
    cls: type[ItemCreate] | type[ItemReplace], payload: dict[str, Any]
) -> None:
    """``structure_input`` skips per-field checks when ``cls`` accepts the whole
    payload at once; valid or not, the answer must be the reference's.
    """
    assert structure_input(payload, cls) == structure_each_field(payload, cls)
