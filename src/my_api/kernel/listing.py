"""What a list request asks for, once parsed: a filter, a total order and a window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

import attrs

from my_api.kernel.keyset import Keyset
from my_api.kernel.pagination import MAX_PAGE_SIZE, PageRequest
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification
from my_api.kernel.table import Column, ColumnType

T = TypeVar("T")


@attrs.frozen
class KeysetRequest:
    limit: int = attrs.field(
        default=20, validator=attrs.validators.in_(range(1, MAX_PAGE_SIZE + 1))
    )
    keyset: Keyset | None = None


Window: TypeAlias = PageRequest | KeysetRequest


@attrs.frozen
class ListQuery:
    filter: Specification | None
    sort: Sort
    window: Window
    # Identifies filter + sort, so a cursor can be bound to the query that issued it.
    fingerprint: str = ""


@attrs.frozen
class KeysetPage(Generic[T]):
    """Items plus the boundaries to walk on from; None at either end."""

    items: Sequence[T]
    next_boundary: tuple[Any, ...] | None
    prev_boundary: tuple[Any, ...] | None


@attrs.frozen
class Catalog:
    """What a resource lets clients filter and sort on, with each column's type."""

    filterable: Mapping[str, Column]
    sortable: frozenset[str]
    columns: Mapping[str, Column]

    def __attrs_post_init__(self) -> None:
        # A JSON column holds a collection: no order to sort by, no value the query
        # language could compare it with. Refused when the resource is declared.
        opaque = sorted(
            {name for name, column in self.filterable.items() if column.type is ColumnType.JSON}
            | {
                name
                for name in self.sortable
                if name in self.columns and self.columns[name].type is ColumnType.JSON
            }
        )
        if opaque:
            raise ValueError(f"JSON columns can be neither filtered nor sorted on: {opaque}")

    def column(self, name: str) -> Column:
        return self.columns[name]
