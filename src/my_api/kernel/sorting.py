"""Sort orders: total (``id`` breaks ties), NULLs last in both directions.

The same ``Sort`` orders entities in Python and renders ``ORDER BY`` for SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen
class SortKey:
    field: str
    descending: bool = False

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


def _with_tiebreaker(given: Iterable[SortKey]) -> tuple[SortKey, ...]:
    """Append ``id`` (in the direction of the last key, so one-direction sorts stay
    one-direction and keyset pages can use a row comparison); keys after ``id``
    can never matter and are dropped.
    """
    keys = tuple(given)
    for position, key in enumerate(keys):
        if key.field == "id":
            return keys[: position + 1]
    return (*keys, SortKey("id", keys[-1].descending if keys else False))


@attrs.frozen
class Sort:
    """Keys in order of significance; always ends with ``id`` so the order is total."""

    keys: tuple[SortKey, ...] = attrs.field(converter=_with_tiebreaker)

    @classmethod
    def parse_fields(cls, fields: Iterable[str]) -> Sort:
        """
        >>> str(Sort.parse_fields(["-price", "name"]))
        '-price,name,id'
        """
        return cls(
            tuple(SortKey(field.removeprefix("-"), field.startswith("-")) for field in fields)
        )

    def __str__(self) -> str:
        return ",".join(str(key) for key in self.keys)

    def ordered(self, items: Iterable[T]) -> list[T]:
        """``items`` in this order; stable sorts from the least significant key up."""
        result = list(items)
        for key in reversed(self.keys):
            present = [item for item in result if getattr(item, key.field) is not None]
            absent = [item for item in result if getattr(item, key.field) is None]
            present.sort(key=lambda item, f=key.field: getattr(item, f), reverse=key.descending)  # type: ignore[misc]
            result = present + absent
        return result

    def values(self, item: object) -> tuple[Any, ...]:
        return tuple(getattr(item, key.field) for key in self.keys)

    def order_by(self, nullable: Collection[str], *, reverse: bool = False) -> str:
        """The ORDER BY list; ``reverse`` walks the same order backwards.

        NULLs go last (first when walking back), spelled out only for the
        ``nullable`` columns: on a NOT NULL column an explicit ``NULLS LAST``
        after ``DESC`` would stop PostgreSQL from reading an ascending
        ``(column, id)`` index backwards, and NULL placement cannot matter there.
        """
        parts = []
        for key in self.keys:
            descending = key.descending != reverse
            part = f"{key.field} {'DESC' if descending else 'ASC'}"
            if key.field in nullable:
                part += " NULLS FIRST" if reverse else " NULLS LAST"
            parts.append(part)
        return ", ".join(parts)


DEFAULT_SORT = Sort(())
