"""Keyset windows: the rows strictly after (or before) a boundary row in a sort order.

Read in Python by comparing sort tuples. In SQL, when every key is NOT NULL
and runs one way, it is one row comparison ``(a, b, id) > ($1, $2, $3)``: an
index range scan. Otherwise it is a set of disjoint *branches*, each a
conjunction of equalities and one range or NULL test, e.g. for
``sort=description`` walking forward from ``('lamp', x)``:

    description > 'lamp'  |  description IS NULL  |  description = 'lamp' AND id > x

Each branch is an index range on ``(description, id)``; the adapter runs
them as a ``UNION ALL`` of small ordered, limited scans (``branches``), or
ORs them into one predicate where a single condition is needed.
"""

from __future__ import annotations

from typing import Any

import attrs

from my_api.kernel.sorting import Sort
from my_api.kernel.specification import SqlCondition, SqlDialect
from my_api.kernel.table import TableMapping


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


class _Binder:
    """Binds each key's boundary value once, on first use (an unused bound value
    would leave PostgreSQL unable to infer its type).
    """

    def __init__(self, dialect: SqlDialect, table: TableMapping, first_param: int) -> None:
        self.dialect, self.table, self.first = dialect, table, first_param
        self.params: list[Any] = []
        self.placeholders: dict[str, str] = {}

    def __call__(self, field: str, value: Any) -> str:
        if field not in self.placeholders:
            self.params.append(self.dialect.encode(self.table.column(field).type, value))
            self.placeholders[field] = self.dialect.param(self.first + len(self.params) - 1)
        return self.placeholders[field]


@attrs.frozen
class Keyset:
    boundary: tuple[Any, ...]
    after: bool = True

    def admits(self, sort: Sort, entity: object) -> bool:
        side = compare(sort, sort.values(entity), self.boundary)
        return side > 0 if self.after else side < 0

    def is_row_comparison(self, sort: Sort, table: TableMapping) -> bool:
        one_way = len({key.descending for key in sort.keys}) == 1
        return one_way and not any(table.column(key.field).nullable for key in sort.keys)

    def to_sql_condition(
        self, sort: Sort, dialect: SqlDialect, table: TableMapping, first_param: int
    ) -> SqlCondition:
        """One predicate: the row comparison, or the OR of the branches."""
        bind = _Binder(dialect, table, first_param)
        if self.is_row_comparison(sort, table):
            forward = self.after != sort.keys[0].descending
            columns = ", ".join(key.field for key in sort.keys)
            values = ", ".join(
                bind(key.field, value) for key, value in zip(sort.keys, self.boundary, strict=True)
            )
            text = f"({columns}) {'>' if forward else '<'} ({values})"
            return SqlCondition(text, tuple(bind.params))
        branches = self._branches(sort, table, bind)
        text = "(" + " OR ".join(branches) + ")" if branches else "(1 = 0)"
        return SqlCondition(text, tuple(bind.params))

    def branches(
        self, sort: Sort, dialect: SqlDialect, table: TableMapping, first_param: int
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Disjoint conditions whose union is the window, and their bound values."""
        bind = _Binder(dialect, table, first_param)
        return tuple(self._branches(sort, table, bind)), tuple(bind.params)

    def _branches(self, sort: Sort, table: TableMapping, bind: _Binder) -> list[str]:
        branches: list[str] = []
        equal: list[str] = []
        last = len(sort.keys) - 1
        for position, (key, value) in enumerate(zip(sort.keys, self.boundary, strict=True)):
            column = key.field
            nullable = table.column(column).nullable
            branches.extend(
                "(" + " AND ".join([*equal, beyond]) + ")"
                for beyond in self._beyond(
                    column, value, bind, descending=key.descending, nullable=nullable
                )
            )
            if position < last:
                equal.append(
                    f"{column} IS NULL" if value is None else f"{column} = {bind(column, value)}"
                )
        return branches

    def _beyond(
        self, column: str, value: Any, bind: _Binder, *, descending: bool, nullable: bool
    ) -> list[str]:
        """Strictly past ``value`` on this key in the walking direction, NULLs last,
        as disjoint conditions.
        """
        if self.after:
            if value is None:
                return []  # nothing sorts after NULL
            beyond = f"{column} {'<' if descending else '>'} {bind(column, value)}"
            return [beyond, f"{column} IS NULL"] if nullable else [beyond]
        if value is None:
            return [f"{column} IS NOT NULL"]
        return [f"{column} {'>' if descending else '<'} {bind(column, value)}"]
