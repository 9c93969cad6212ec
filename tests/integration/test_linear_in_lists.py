"""An ``in`` list costs work linear in its length, counted, never timed.

SQLite looks up each *numbered* placeholder (``?N``) by a linear scan while it
compiles a statement (``sqlite3VListNumToName``), so a list bound one ``?N`` per
value cost O(n^2): a 64 KB URL took 14.6 s of CPU. SQLite now takes the whole
list as one JSON array, so the compiled text holds the same placeholders
whatever the list's length. Python's own work (parse, render the fingerprint,
compile) and SQLite's executed instructions are counted for n and 2n values.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from my_api.adapters.http.query_language import parse_list_query
from my_api.adapters.http.query_limits import QueryLimits
from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE, Dialect
from my_api.adapters.sql.migrations import directory_for
from my_api.adapters.sql.statements import compile_table, list_query
from my_api.application.items import ITEM_TABLE, ITEMS
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.listing import ListQuery

CODEC = CursorCodec(b"linear-secret-0123456789abcdef01234")
WIDE = QueryLimits(max_in_values=10_000, max_length=1_000_000)
SIZES = (2_000, 4_000)


def _query(size: int, field: str = "name") -> ListQuery:
    values = ",".join(f"v{n}" if field == "name" else str(n) for n in range(size))
    return parse_list_query([(field, f"in.({values})")], ITEMS.catalog, CODEC, WIDE).unwrap()


def _statement(dialect: Dialect, query: ListQuery) -> tuple[str, list[Any]]:
    compiled = compile_table(ITEM_TABLE.mapping, dialect)
    return list_query(compiled, query.filter, query.sort, limit=20, offset=0, keyset=None).unwrap()


def _parsed_and_compiled(dialect: Dialect, size: int, field: str) -> tuple[str, list[Any]]:
    return _statement(dialect, _query(size, field))


def _calls(work: Callable[[], object]) -> int:
    """How many Python functions ``work`` calls, in all."""
    count = 0

    def profile(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        if event in {"call", "c_call"}:
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def test_sqlite_compiles_an_in_list_of_any_length_with_the_same_placeholders() -> None:
    numbered = [re.findall(r"\?\d+", _statement(SQLITE, _query(size))[0]) for size in SIZES]

    assert numbered[0] == numbered[1]
    assert len(numbered[0]) <= 3  # the list, the limit and the offset


def test_postgresql_binds_one_argument_per_value_which_it_reads_in_linear_time() -> None:
    text, params = _statement(POSTGRESQL, _query(SIZES[0]))

    assert len(params) == SIZES[0] + 2
    assert text.count("$") == SIZES[0] + 2


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("field", ["name", "quantity"])
def test_parsing_and_compiling_twice_the_values_calls_at_most_twice_the_functions(
    dialect: Dialect, field: str
) -> None:
    small, large = (_calls(partial(_parsed_and_compiled, dialect, size, field)) for size in SIZES)

    assert large <= 2.1 * small


@pytest.fixture
def items_database(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "linear.db")
    for script in sorted(directory_for(SQLITE).glob("*.sql")):
        connection.executescript(script.read_text())
    yield connection
    connection.close()


def _instructions(connection: sqlite3.Connection, statement: tuple[str, list[Any]]) -> int:
    """SQLite virtual-machine instructions executed by ``statement``, counted one by one."""
    count = 0

    def step() -> int:
        nonlocal count
        count += 1
        return 0

    connection.set_progress_handler(step, 1)
    try:
        connection.execute(*statement).fetchall()
    finally:
        connection.set_progress_handler(None, 1)
    return count


def test_sqlite_runs_twice_the_values_in_at_most_twice_the_instructions(
    items_database: sqlite3.Connection,
) -> None:
    small, large = (_instructions(items_database, _statement(SQLITE, _query(n))) for n in SIZES)

    assert large <= 2.1 * small
