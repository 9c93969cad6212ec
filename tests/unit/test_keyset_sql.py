"""Keyset conditions and sort orders as SQL text (``shared/keyset.py``, ``shared/sorting.py``).

- NOT NULL keys that all run one way compile to a row comparison
  ``(a, b, id) > (...)`` (``<`` walking the other way), which an index on
  ``(a, b, id)`` answers with a range scan;
- a nullable key or mixed directions compile to the expanded OR form, whose
  disjoint branches (``Keyset.branches``, run as a UNION ALL by the adapter)
  together select exactly the rows ``Keyset.admits``;
- values are always bound parameters: the text holds only identifiers,
  placeholders and keywords, every placeholder has its value and no value is
  bound unused (PostgreSQL could not type it);
- ``compare`` puts NULLs last in both directions and agrees with ``Sort.ordered``;
- ``Sort.order_by(nullable, reverse=True)`` is the exact reverse order
  (directions flipped, NULLS FIRST on the nullable keys), checked as text and
  on a real (in-memory) SQLite table built by the real migration.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE, Dialect
from my_api.adapters.sql.statements import compile_table, list_query
from my_api.application.items import ITEM_TABLE, ITEMS
from my_api.domain.item import Item
from my_api.kernel.keyset import Keyset, compare
from my_api.kernel.sorting import Sort, SortKey

MAPPING = ITEM_TABLE.mapping
SORTABLE = sorted(ITEMS.catalog.sortable)
NON_NULL = [field for field in SORTABLE if not MAPPING.column(field).nullable]
NULLABLE = frozenset(column.name for column in MAPPING.columns if column.nullable)
ID = UUID("12345678-1234-5678-1234-567812345678")
DIALECTS = [pytest.param(POSTGRESQL, id="postgresql"), pytest.param(SQLITE, id="sqlite")]

# -- values ----------------------------------------------------------------------------

_names = st.sampled_from(["a", "b", "B", "é", "'; DROP TABLE items; --"])
_descriptions = st.sampled_from([None, None, "", "x", "é", "' OR 1=1 --"])
_prices = st.sampled_from([Decimal("0.01"), Decimal("1.00"), Decimal("9999999999.99")])
_quantities = st.sampled_from([0, 1, 2**31 - 1])
_moments = st.sampled_from(
    [datetime(2001, 1, 1, tzinfo=UTC), datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)]
)


@st.composite
def _item(draw: st.DrawFn) -> Item:
    return Item(
        id=draw(st.uuids()),
        name=draw(_names),
        description=draw(_descriptions),
        price=draw(_prices),
        quantity=draw(_quantities),
        created_at=draw(_moments),
        updated_at=draw(_moments),
    )


item_lists = st.lists(_item(), max_size=12, unique_by=lambda item: item.id)


@st.composite
def sorts(draw: st.DrawFn) -> Sort:
    fields = draw(st.lists(st.sampled_from(SORTABLE), unique=True, max_size=3))
    return Sort(tuple(SortKey(field, draw(st.booleans())) for field in fields))


@st.composite
def one_way_non_null_sorts(draw: st.DrawFn) -> Sort:
    fields = draw(st.lists(st.sampled_from(NON_NULL), unique=True, max_size=3))
    descending = draw(st.booleans())
    return Sort(tuple(SortKey(field, descending) for field in fields))


def condition(
    fields: Sequence[str],
    boundary: tuple[Any, ...],
    *,
    after: bool = True,
    dialect: Dialect = POSTGRESQL,
    first_param: int = 1,
) -> tuple[str, tuple[Any, ...]]:
    compiled = Keyset(boundary, after=after).to_sql_condition(
        Sort.parse_fields(fields), dialect, MAPPING, first_param
    )
    return compiled.text, compiled.params


# -- the row comparison ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "after", "expected"),
    [
        (["price"], True, "(price, id) > ($1, $2)"),
        (["price"], False, "(price, id) < ($1, $2)"),
        (["-price"], True, "(price, id) < ($1, $2)"),
        (["-price"], False, "(price, id) > ($1, $2)"),
        (["name", "quantity"], True, "(name, quantity, id) > ($1, $2, $3)"),
        (["-created_at", "-updated_at"], True, "(created_at, updated_at, id) < ($1, $2, $3)"),
        ([], True, "(id) > ($1)"),
        (["-id"], False, "(id) > ($1)"),
    ],
)
def test_non_null_keys_in_one_direction_compile_to_a_row_comparison(
    fields: list[str], *, after: bool, expected: str
) -> None:
    sort = Sort.parse_fields(fields)
    boundary = tuple({"id": ID}.get(key.field, "v") for key in sort.keys)
    assert condition(fields, boundary, after=after)[0] == expected


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_row_comparison_numbers_its_placeholders_from_the_first_free_one(
    dialect: Dialect,
) -> None:
    text, params = condition(
        ["price"], (Decimal("12.50"), ID), dialect=dialect, first_param=4, after=False
    )
    p = dialect.placeholder_prefix
    assert text == f"(price, id) < ({p}4, {p}5)"
    assert params == (
        dialect.encode(MAPPING.column("price").type, Decimal("12.50")),
        dialect.encode(MAPPING.column("id").type, ID),
    )


@settings(max_examples=100)
@given(sort=one_way_non_null_sorts(), row=_item(), after=st.booleans(), first=st.integers(1, 9))
def test_every_one_way_sort_of_non_null_keys_is_a_row_comparison_of_its_keys_in_order(
    sort: Sort, row: Item, *, after: bool, first: int
) -> None:
    compiled = Keyset(sort.values(row), after=after).to_sql_condition(
        sort, POSTGRESQL, MAPPING, first
    )
    columns = ", ".join(key.field for key in sort.keys)
    placeholders = ", ".join(f"${first + n}" for n in range(len(sort.keys)))
    forward = after != sort.keys[0].descending
    assert compiled.text == f"({columns}) {'>' if forward else '<'} ({placeholders})"
    assert compiled.params == tuple(
        POSTGRESQL.encode(MAPPING.column(key.field).type, value)
        for key, value in zip(sort.keys, sort.values(row), strict=True)
    )


# -- the expanded form -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "boundary", "after", "expected"),
    [
        (
            ["description"],
            ("x", ID),
            True,
            "((description > $1) OR (description IS NULL) OR (description = $1 AND id > $2))",
        ),
        (
            ["description"],
            ("x", ID),
            False,
            "((description < $1) OR (description = $1 AND id < $2))",
        ),
        # Nothing sorts after NULL but other NULLs with a greater id.
        (["description"], (None, ID), True, "((description IS NULL AND id > $1))"),
        # Walking back from a NULL: every value comes before the NULLs.
        (
            ["-description"],
            (None, ID),
            False,
            "((description IS NOT NULL) OR (description IS NULL AND id > $1))",
        ),
        (
            ["-price", "name"],
            (Decimal("1.00"), "a", ID),
            True,
            "((price < $1) OR (price = $1 AND name > $2)"
            " OR (price = $1 AND name = $2 AND id > $3))",
        ),
    ],
)
def test_a_nullable_key_or_mixed_directions_compile_to_the_expanded_or_form(
    fields: list[str], boundary: tuple[Any, ...], *, after: bool, expected: str
) -> None:
    text, _ = condition(fields, boundary, after=after)
    assert text == expected
    assert not re.search(r"\([a-z_]+, ", text), "no row comparison"


@settings(max_examples=100)
@given(sort=sorts(), row=_item(), after=st.booleans())
def test_the_expanded_form_is_used_exactly_when_a_key_is_nullable_or_directions_mix(
    sort: Sort, row: Item, *, after: bool
) -> None:
    keyset = Keyset(sort.values(row), after=after)
    text = keyset.to_sql_condition(sort, SQLITE, MAPPING, 1).text
    expanded = len({key.descending for key in sort.keys}) > 1 or any(
        MAPPING.column(key.field).nullable for key in sort.keys
    )
    assert keyset.is_row_comparison(sort, MAPPING) == (not expanded)
    assert text.startswith("((") == expanded
    if expanded:
        branches, _ = keyset.branches(sort, SQLITE, MAPPING, 1)
        assert text == "(" + " OR ".join(branches) + ")"


# -- values are bound, never spliced ---------------------------------------------------

_KEYWORDS = re.compile(r"\b(AND|OR|IS|NOT|NULL)\b|\(1 = 0\)")


def _placeholders(text: str, dialect: Dialect) -> list[int]:
    return [int(n) for n in re.findall(re.escape(dialect.placeholder_prefix) + r"(\d+)", text)]


def _residue(text: str, dialect: Dialect) -> str:
    """What is left of the text once identifiers, placeholders and keywords are gone."""
    text = re.sub(re.escape(dialect.placeholder_prefix) + r"\d+", "", text)
    text = _KEYWORDS.sub("", text)
    return re.sub("|".join(rf"\b{name}\b" for name in MAPPING.names), "", text)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=100)
@given(sort=sorts(), row=_item(), after=st.booleans())
def test_the_condition_text_holds_no_value_only_names_placeholders_and_keywords(
    dialect: Dialect, sort: Sort, row: Item, *, after: bool
) -> None:
    text = Keyset(sort.values(row), after=after).to_sql_condition(sort, dialect, MAPPING, 1).text
    assert set(_residue(text, dialect)) <= set("()<>=, "), text
    for value in sort.values(row):
        if isinstance(value, str) and len(value) > 1:
            assert value not in text


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=100)
@given(sort=sorts(), row=_item(), after=st.booleans(), first=st.integers(1, 9))
def test_the_condition_binds_exactly_the_parameters_its_text_uses(
    dialect: Dialect, sort: Sort, row: Item, *, after: bool, first: int
) -> None:
    """No unused value either: PostgreSQL cannot type a parameter the text never uses."""
    compiled = Keyset(sort.values(row), after=after).to_sql_condition(sort, dialect, MAPPING, first)
    assert sorted(set(_placeholders(compiled.text, dialect))) == list(
        range(first, first + len(compiled.params))
    )


@settings(max_examples=100)
@given(sort=sorts(), row=_item(), after=st.booleans())
def test_each_non_null_boundary_value_is_bound_once_in_key_order(
    sort: Sort, row: Item, *, after: bool
) -> None:
    """NULLs are spelled ``IS NULL``; every other value is one parameter, reused."""
    compiled = Keyset(sort.values(row), after=after).to_sql_condition(sort, SQLITE, MAPPING, 1)
    assert compiled.params == tuple(
        SQLITE.encode(MAPPING.column(key.field).type, value)
        for key, value in zip(sort.keys, sort.values(row), strict=True)
        if value is not None
    )


# -- compare: NULLs last, in agreement with Sort.ordered --------------------------------


@pytest.mark.parametrize("descending", [False, True])
def test_compare_puts_null_after_any_value_in_both_directions(*, descending: bool) -> None:
    sort = Sort((SortKey("description", descending),))
    for text in ("", "a", "\U0010ffff"):
        assert compare(sort, (None, ID), (text, ID)) == 1
        assert compare(sort, (text, ID), (None, ID)) == -1
    assert compare(sort, (None, ID), (None, ID)) == 0


@pytest.mark.parametrize("descending", [False, True])
def test_compare_breaks_a_tie_between_nulls_by_id_in_the_direction_of_the_sort(
    *, descending: bool
) -> None:
    sort = Sort((SortKey("description", descending),))
    smaller, larger = (None, UUID(int=1)), (None, UUID(int=2))
    assert compare(sort, smaller, larger) == (1 if descending else -1)


@settings(max_examples=100)
@given(rows=item_lists, sort=sorts())
def test_ordering_by_compare_is_sort_ordered(rows: list[Item], sort: Sort) -> None:
    by_compare = sorted(
        rows,
        key=functools.cmp_to_key(lambda a, b: compare(sort, sort.values(a), sort.values(b))),
    )
    assert [row.id for row in by_compare] == [row.id for row in sort.ordered(rows)]


@settings(max_examples=100)
@given(rows=item_lists, sort=sorts())
def test_compare_is_a_total_order_on_rows(rows: list[Item], sort: Sort) -> None:
    for a in rows:
        for b in rows:
            left, right = sort.values(a), sort.values(b)
            assert compare(sort, left, right) == -compare(sort, right, left)
            assert (compare(sort, left, right) == 0) == (a.id == b.id)


@settings(max_examples=100)
@given(rows=item_lists, sort=sorts(), after=st.booleans(), data=st.data())
def test_a_keyset_admits_exactly_the_rows_strictly_beyond_its_boundary(
    rows: list[Item], sort: Sort, *, after: bool, data: st.DataObject
) -> None:
    boundary = data.draw(st.sampled_from(rows) if rows else _item(), label="boundary")
    ordered = sort.ordered([*rows, boundary] if boundary not in rows else rows)
    at = ordered.index(boundary)
    beyond = ordered[at + 1 :] if after else ordered[:at]
    keyset = Keyset(sort.values(boundary), after=after)
    assert [row for row in ordered if keyset.admits(sort, row)] == beyond


# -- ORDER BY, forwards and backwards --------------------------------------------------


def test_order_by_places_nulls_last_on_nullable_keys_only() -> None:
    sort = Sort.parse_fields(["-price", "description"])
    assert sort.order_by(NULLABLE) == "price DESC, description ASC NULLS LAST, id ASC"


def test_order_by_reversed_flips_every_direction_and_puts_nulls_first() -> None:
    sort = Sort.parse_fields(["-price", "description"])
    assert sort.order_by(NULLABLE, reverse=True) == (
        "price ASC, description DESC NULLS FIRST, id DESC"
    )


@given(sort=sorts())
def test_order_by_reversed_is_the_forward_order_with_each_key_flipped(sort: Sort) -> None:
    flip = {
        "ASC": "DESC",
        "DESC": "ASC",
        "ASC NULLS LAST": "DESC NULLS FIRST",
        "DESC NULLS LAST": "ASC NULLS FIRST",
    }
    forward = sort.order_by(NULLABLE).split(", ")
    backward = sort.order_by(NULLABLE, reverse=True).split(", ")
    assert len(forward) == len(backward) == len(sort.keys)
    for key, there, back in zip(sort.keys, forward, backward, strict=True):
        field, direction = there.split(" ", 1)
        assert field == key.field
        assert direction.startswith("DESC" if key.descending else "ASC")
        assert ("NULLS" in direction) == (field in NULLABLE)
        assert back == f"{field} {flip[direction]}"


@contextmanager
def sqlite_items(rows: Sequence[Item]) -> Iterator[sqlite3.Connection]:
    """An in-memory SQLite ``items`` table (the real migration) holding ``rows``."""
    migration = Path(__file__).parents[2] / "sql/migrations/sqlite/0001_create_items.sql"
    compiled = compile_table(MAPPING, SQLITE)
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(migration.read_text())
        connection.executemany(
            compiled.insert,
            [
                [
                    encode(getattr(row, attribute))
                    for attribute, encode in zip(
                        compiled.attributes, compiled.encoders, strict=True
                    )
                ]
                for row in rows
            ],
        )
        yield connection


@settings(max_examples=50)
@given(rows=item_lists, sort=sorts())
def test_order_by_reversed_lists_the_rows_in_exactly_the_reverse_order_on_sqlite(
    rows: list[Item], sort: Sort
) -> None:
    with sqlite_items(rows) as connection:
        select = "SELECT id FROM items ORDER BY "
        forward = [r[0] for r in connection.execute(select + sort.order_by(NULLABLE))]
        backward = [
            r[0] for r in connection.execute(select + sort.order_by(NULLABLE, reverse=True))
        ]
    assert forward == [str(row.id) for row in sort.ordered(rows)]
    assert backward == forward[::-1]


@settings(max_examples=50)
@given(rows=item_lists, sort=sorts(), after=st.booleans(), data=st.data())
def test_a_keyset_query_selects_the_rows_keyset_admits_nearest_first_on_sqlite(
    rows: list[Item], sort: Sort, *, after: bool, data: st.DataObject
) -> None:
    boundary = data.draw(st.sampled_from(rows) if rows else _item(), label="boundary")
    keyset = Keyset(sort.values(boundary), after=after)
    query = list_query(
        compile_table(MAPPING, SQLITE), None, sort, limit=100, offset=0, keyset=keyset
    )
    text, params = query.unwrap()
    with sqlite_items(rows) as connection:
        selected = [r[0] for r in connection.execute(text, params)]
    admitted = [str(row.id) for row in sort.ordered(rows) if keyset.admits(sort, row)]
    assert selected == (admitted if after else admitted[::-1])


@settings(max_examples=50)
@given(rows=item_lists, sort=sorts(), after=st.booleans(), data=st.data())
def test_the_condition_selects_exactly_the_rows_keyset_admits_on_sqlite(
    rows: list[Item], sort: Sort, *, after: bool, data: st.DataObject
) -> None:
    boundary = data.draw(st.sampled_from(rows) if rows else _item(), label="boundary")
    keyset = Keyset(sort.values(boundary), after=after)
    compiled = keyset.to_sql_condition(sort, SQLITE, MAPPING, 1)
    with sqlite_items(rows) as connection:
        selected = {
            r[0]
            for r in connection.execute(
                f"SELECT id FROM items WHERE {compiled.text}",
                compiled.params,
            )
        }
    assert selected == {str(row.id) for row in rows if keyset.admits(sort, row)}


@settings(max_examples=50)
@given(rows=item_lists, sort=sorts(), after=st.booleans(), data=st.data())
def test_the_branches_are_disjoint_and_together_select_the_window_on_sqlite(
    rows: list[Item], sort: Sort, *, after: bool, data: st.DataObject
) -> None:
    boundary = data.draw(st.sampled_from(rows) if rows else _item(), label="boundary")
    keyset = Keyset(sort.values(boundary), after=after)
    branches, params = keyset.branches(sort, SQLITE, MAPPING, 1)
    with sqlite_items(rows) as connection:
        # A branch may use only some of the numbered parameters; sqlite3 wants each one
        # referenced, so an always-true tail mentions them all.
        tail = " ".join(f"AND ?{n} IS ?{n}" for n in range(1, len(params) + 1))
        selected = [
            [
                r[0]
                for r in connection.execute(
                    f"SELECT id FROM items WHERE {branch} {tail}",
                    params,
                )
            ]
            for branch in branches
        ]
    flat = [row_id for ids in selected for row_id in ids]
    assert len(flat) == len(set(flat)), "no row is in two branches"
    assert set(flat) == {str(row.id) for row in rows if keyset.admits(sort, row)}
