"""Driver exceptions become the right ``AppError``: the client's value, a clash, or an outage.

A value the database cannot hold is the client's fault (400), not an outage
(503). That holds for PostgreSQL's own DataError (SQLSTATE class 22), for
asyncpg refusing to encode an argument before anything is sent (asyncpg
raises the same ``asyncpg.DataError`` class for that), and for the
``InterfaceError`` flavour of DataError in ``asyncpg.exceptions._base``. The
last tests raise the errors for real against a PostgreSQL server, so the
classes checked here are the ones asyncpg raises.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import asyncpg.exceptions._base as asyncpg_base
import pytest

from my_api.adapters.sql.errors import database_failure
from my_api.kernel.errors import AppError, Conflict, MalformedRequest, Unavailable
from tests.conftest import POSTGRES_ENV

CLIENT_SIDE_DATA_ERROR = asyncpg_base.DataError
X = TypeVar("X", bound=Exception)


def named(error: Exception) -> str:
    client_side = isinstance(error, asyncpg_base.InterfaceError)
    return type(error).__qualname__ + (" (client side)" if client_side else "")


def refused_value(error: Exception) -> bool:
    return isinstance(database_failure(error), MalformedRequest)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.DataError("invalid input syntax"),
        asyncpg.NumericValueOutOfRangeError("integer out of range"),
        asyncpg.InvalidTextRepresentationError("invalid input syntax for type integer"),
        asyncpg.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"),
        asyncpg.DatetimeFieldOverflowError("date/time field value out of range"),
        CLIENT_SIDE_DATA_ERROR("invalid input for query argument $1: 1099511627776"),
    ],
    ids=named,
)
def test_a_value_the_database_cannot_hold_is_a_malformed_request(error: Exception) -> None:
    assert refused_value(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        sqlite3.IntegrityError("UNIQUE constraint failed: items.id"),
    ],
    ids=named,
)
def test_a_unique_violation_is_a_conflict(error: Exception) -> None:
    failure = database_failure(error)
    assert failure == Conflict("A resource with the same identity already exists.")


@pytest.mark.parametrize(
    "error",
    [
        OSError("network is unreachable"),
        ConnectionRefusedError(111, "connection refused"),
        ConnectionResetError(104, "connection reset by peer"),
        TimeoutError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        sqlite3.OperationalError("database is locked"),
    ],
    ids=named,
)
def test_connection_trouble_is_unavailable_and_never_blames_the_client(error: Exception) -> None:
    failure = database_failure(error)
    assert isinstance(failure, Unavailable)
    assert failure.dependency == "database"


# -- the same classes, raised by asyncpg against a real server ----------------------------


@pytest.fixture
async def postgres() -> AsyncIterator[asyncpg.Connection[Any]]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"needs {POSTGRES_ENV}")
    connection = await asyncpg.connect(url, timeout=5)
    try:
        yield connection
    finally:
        await connection.close()


async def raised_by(expected: type[X], attempt: Callable[[], Awaitable[object]]) -> X:
    with pytest.raises(expected) as caught:
        await attempt()
    return caught.value


@pytest.mark.postgres
async def test_postgres_refusing_a_value_out_of_range_is_a_malformed_request(
    postgres: asyncpg.Connection[Any],
) -> None:
    error = await raised_by(
        asyncpg.DataError, lambda: postgres.fetchval("SELECT $1::numeric(12, 2)", 10**20)
    )
    assert refused_value(error)


@pytest.mark.postgres
async def test_asyncpg_refusing_to_encode_an_argument_is_a_malformed_request(
    postgres: asyncpg.Connection[Any],
) -> None:
    error = await raised_by(asyncpg.DataError, lambda: postgres.fetchval("SELECT $1::int4", 2**40))
    assert "invalid input for query argument" in str(error)
    assert refused_value(error)


@pytest.mark.postgres
async def test_postgres_refusing_a_duplicate_key_is_a_conflict(
    postgres: asyncpg.Connection[Any],
) -> None:
    await postgres.execute("CREATE TEMPORARY TABLE keyed (id int PRIMARY KEY)")
    await postgres.execute("INSERT INTO keyed VALUES (1)")
    error = await raised_by(
        asyncpg.UniqueViolationError, lambda: postgres.execute("INSERT INTO keyed VALUES (1)")
    )
    assert isinstance(database_failure(error), Conflict)


async def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # a port nobody listens on: bound, never listening
        port = closed.getsockname()[1]
        error = await raised_by(
            OSError,
            lambda: asyncpg.connect(f"postgresql://nobody@127.0.0.1:{port}/none", timeout=5),
        )
    failure: AppError = database_failure(error)
    assert isinstance(failure, Unavailable)
