"""A statement past the database's own limits is the request's fault (400), never an
outage (503): it would fail however often it were retried. The parser refuses such
queries first; this is the backstop, checked against the errors the drivers raise.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import asyncpg
import pytest

from my_api.adapters.sql.errors import database_failure
from my_api.kernel.errors import MalformedRequest, Unavailable
from tests.conftest import POSTGRES_ENV


def _sqlite_error(sql: str, params: list[Any] | None = None) -> sqlite3.Error:
    connection = sqlite3.connect(":memory:")
    # Builds differ (32,766 by default, 250,000 here): the same limit, made small.
    connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    try:
        with pytest.raises(sqlite3.Error) as caught:
            connection.execute(sql, params or [])
    finally:
        connection.close()
    return caught.value


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT " + "(" * 300 + "1" + ")" * 300, None),  # parser stack overflow
        ("SELECT " + " AND ".join(["1"] * 1_200), None),  # expression tree too large
        ("SELECT 1 WHERE 1 IN (?" + ",?" * 200 + ")", list(range(201))),  # too many variables
    ],
    ids=["parser-stack", "expression-depth", "variables"],
)
def test_sqlite_refusing_a_statement_past_its_limits_is_a_malformed_request(
    sql: str, params: list[Any] | None
) -> None:
    error = _sqlite_error(sql, params)

    assert isinstance(database_failure(error), MalformedRequest), error


def test_sqlite_being_locked_is_still_unavailable() -> None:
    assert isinstance(database_failure(sqlite3.OperationalError("database is locked")), Unavailable)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.StatementTooComplexError("stack depth limit exceeded"),
        asyncpg.TooManyArgumentsError("cannot pass more than 100 arguments to a function"),
        asyncpg.InterfaceError("the number of query arguments cannot exceed 32767"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_postgresql_limits_are_a_malformed_request(error: Exception) -> None:
    assert isinstance(database_failure(error), MalformedRequest)


@pytest.mark.postgres
async def test_asyncpg_refusing_too_many_arguments_is_a_malformed_request() -> None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"needs {POSTGRES_ENV}")
    connection = await asyncpg.connect(url, timeout=5)
    try:
        sql = "SELECT 1 WHERE 1 IN (" + ", ".join(f"${n}" for n in range(1, 32_770)) + ")"
        with pytest.raises(asyncpg.InterfaceError) as caught:
            await connection.fetch(sql, *range(32_769))
    finally:
        await connection.close()

    assert isinstance(database_failure(caught.value), MalformedRequest)
