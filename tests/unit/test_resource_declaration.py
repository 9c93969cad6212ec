"""A resource declaration refuses, at once and by name, a DTO that does not fit its entity."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import attrs
import pytest

from my_api.application.items import ITEM_TABLE, ITEMS, ItemInput
from my_api.kernel.resource import Resource
from my_api.kernel.table import EntityTable

T0 = datetime(2026, 1, 2, tzinfo=UTC)


def test_the_items_declaration_takes_one_dto_for_post_and_put() -> None:
    assert ITEMS.dto is ItemInput
    assert attrs.fields_dict(ItemInput).keys() == {"name", "description", "price", "quantity"}


@attrs.frozen(kw_only=True)
class _WithColour:
    name: str
    description: str | None
    price: Decimal
    quantity: int
    colour: str


@attrs.frozen(kw_only=True)
class _QuantityAsText:
    name: str
    description: str | None
    price: Decimal
    quantity: str


@attrs.frozen(kw_only=True)
class _NullableName:
    name: str | None
    description: str | None
    price: Decimal
    quantity: int


@attrs.frozen(kw_only=True)
class _WithVersion:
    name: str
    description: str | None
    price: Decimal
    quantity: int
    version: int


@attrs.frozen(kw_only=True)
class _WithoutQuantity:
    name: str
    description: str | None
    price: Decimal


@pytest.mark.parametrize(
    ("dto", "problem"),
    [
        (_WithColour, "items: _WithColour.colour is not an attribute of Item"),
        (
            _QuantityAsText,
            "items: _QuantityAsText.quantity is annotated str, but Item.quantity is int",
        ),
        (_NullableName, "items: _NullableName.name is annotated str | None, but Item.name is str"),
        (
            _WithVersion,
            "items: _WithVersion.version is a bookkeeping attribute, which only the generics set",
        ),
        (
            _WithoutQuantity,
            "items: Item.quantity has no default and is not a field of _WithoutQuantity",
        ),
    ],
)
def test_a_dto_that_does_not_fit_the_entity_is_refused_naming_the_field(
    dto: type[attrs.AttrsInstance], problem: str
) -> None:
    with pytest.raises(ValueError) as refused:  # noqa: PT011 - the whole message is checked
        Resource(name="items", table=ITEM_TABLE, dto=dto)

    assert str(refused.value) == problem


@attrs.frozen
class _Note:
    id: UUID
    text: str
    pinned: int
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None
    colour: str = "yellow"


@attrs.frozen(kw_only=True)
class _NoteInput:
    text: str
    pinned: int


def test_an_entity_attribute_with_a_default_may_be_left_out_of_the_dto() -> None:
    notes = Resource(name="notes", table=EntityTable.of(_Note, "notes"), dto=_NoteInput)

    note = notes.new(_NoteInput(text="hi", pinned=0), entity_id=UUID(int=1), now=T0)

    assert note.colour == "yellow"
