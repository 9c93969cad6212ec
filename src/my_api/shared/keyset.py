"""Keyset windows: the rows strictly after (or before) a boundary row in a sort order.

Read in Python by comparing sort tuples, and in SQL as a row comparison
``(a, b, id) > ($1, $2, $3)`` when every key is NOT NULL and runs one way (an
index range scan), or else as the equivalent expansion
``a > $1 OR (a = $1 AND (b > $2 OR ...))`` with NULLs ordered last.
"""

from __future__ import annotations

from typing import Any

import attrs

from my_api.shared.sorting import Sort
from my_api.shared.specification import SqlCondition, SqlDialect
from my_api.shared.table import TableMapping


def compare(sort: Sort, left: tuple[Any, ...], right: tuple[Any, ...]) -> int:
    """-1, 0 or 1: where ``left`` falls relative to ``right`` in ``sort`` (NULLs last)."""
    for key, a, b in zip(sort.keys, left, right, strict=True):
        if a == b:
            continue
        if a is None:
            return 1
        if b is None:
            return -1
        order = 1 if a > b else -1
        return -order if key.descending else order
    return 0


@attrs.frozen
class Keyset:
    boundary: tuple[Any, ...]
    after: bool = True

    def admits(self, sort: Sort, entity: object) -> bool:
        side = compare(sort, sort.values(entity), self.boundary)
        return side > 0 if self.after else side < 0

    def to_sql_condition(
        self, sort: Sort, dialect: SqlDialect, table: TableMapping, first_param: int
    ) -> SqlCondition:
        params: list[Any] = []

        def bind(field: str, value: Any) -> str:
            params.append(dialect.encode(table.column(field).type, value))
            return dialect.param(first_param + len(params) - 1)

        keys = sort.keys
        one_way = len({key.descending for key in keys}) == 1
        if one_way and not any(table.column(key.field).nullable for key in keys):
            forward = self.after != keys[0].descending
            columns = ", ".join(key.field for key in keys)
            values = ", ".join(
                bind(key.field, v) for key, v in zip(keys, self.boundary, strict=True)
            )
            return SqlCondition(f"({columns}) {'>' if forward else '<'} ({values})", tuple(params))
        text = self._expanded(sort, table, bind)
        return SqlCondition(text, tuple(params))

    def _expanded(self, sort: Sort, table: TableMapping, bind: Any) -> str:
        """OR over i of (keys before i equal) AND (key i strictly beyond)."""
        alternatives: list[str] = []
        equal: list[str] = []
        last = len(sort.keys) - 1
        for position, (key, value) in enumerate(zip(sort.keys, self.boundary, strict=True)):
            column = key.field
            nullable = table.column(column).nullable
            beyond = self._beyond(column, value, bind, descending=key.descending, nullable=nullable)
            if beyond is not None:
                alternatives.append("(" + " AND ".join([*equal, beyond]) + ")")
            if position < last:  # binding an unused value would leave PostgreSQL guessing its type
                equal.append(
                    f"{column} IS NULL" if value is None else f"{column} = {bind(column, value)}"
                )
        return "(" + " OR ".join(alternatives) + ")" if alternatives else "(1 = 0)"

    def _beyond(
        self, column: str, value: Any, bind: Any, *, descending: bool, nullable: bool
    ) -> str | None:
        """Strictly past ``value`` on this key, in the walking direction (NULLs last)."""
        if self.after:
            if value is None:
                return None  # nothing sorts after NULL
            op = "<" if descending else ">"
            beyond = f"{column} {op} {bind(column, value)}"
            return f"({beyond} OR {column} IS NULL)" if nullable else beyond
        if value is None:
            return f"{column} IS NOT NULL"
        op = ">" if descending else "<"
        return f"{column} {op} {bind(column, value)}"
