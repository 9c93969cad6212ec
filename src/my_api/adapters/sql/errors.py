"""Driver exceptions become ``AppError`` values here, and nowhere else.

The statements a repository runs are wrapped with returns' ``future_safe``
(catching only ``DATABASE_ERRORS``) and their failures mapped with
``.alt(database_failure)``: unique violation -> Conflict, a value the
database cannot hold -> MalformedRequest, connection trouble -> Unavailable.
The driver text is logged for operators and never reaches a client. Any other
exception is a bug and propagates to the HTTP edge's 500 handler.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

import asyncpg
from returns.future import FutureResult, future_safe

from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.kernel.errors import AppError, Conflict, MalformedRequest, Unavailable

log = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
    OSError,
    TimeoutError,
)


def is_unique_violation(error: Exception) -> bool:
    return isinstance(error, asyncpg.UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)
    )


# A statement past the database's own limits fails however often it is retried: the
# request is the problem (400), not the database (503). The parser's limits keep
# accepted queries well inside these (adapters/http/query_limits.py); this is the
# backstop. SQLite says so only in its message (SQLITE_ERROR, like a syntax error).
_SQLITE_LIMITS = (
    "parser stack overflow",
    "Expression tree is too large",
    "too many SQL variables",
    "too many terms in compound SELECT",
    "too many arguments on function",
    "LIKE or GLOB pattern too complex",
)
_ASYNCPG_LIMIT = "the number of query arguments cannot exceed"


def is_beyond_limits(error: Exception) -> bool:
    """The statement is too large or too complex for the database, whatever its load."""
    if isinstance(error, asyncpg.ProgramLimitExceededError):  # SQLSTATE class 54
        return True
    if isinstance(error, asyncpg.InterfaceError) and _ASYNCPG_LIMIT in str(error):
        return True
    return isinstance(error, sqlite3.OperationalError) and any(
        phrase in str(error) for phrase in _SQLITE_LIMITS
    )


def database_failure(error: Exception) -> AppError:
    """Log the driver's own words for operators; give the client a value."""
    log.warning("database operation failed: %s", type(error).__name__, exc_info=error)
    if is_unique_violation(error):
        return Conflict("A resource with the same identity already exists.")
    if isinstance(error, asyncpg.IntegrityConstraintViolationError | sqlite3.IntegrityError):
        return Conflict("The change violates a data integrity rule.")
    # The server's DataError (SQLSTATE 22) and asyncpg's own refusal to encode
    # an argument (an InterfaceError subclass with the same name).
    if isinstance(error, asyncpg.DataError | asyncpg.exceptions._base.DataError):
        # A value the database cannot hold: the client's input, not an outage.
        return MalformedRequest("A value in the request is outside what can be stored.")
    if is_beyond_limits(error):
        return MalformedRequest("The request is too large or too complex for the database.")
    return Unavailable("database")


@future_safe(DATABASE_ERRORS)
async def _fetch_one(statements: SqlExecutor, sql: str, args: Sequence[Any]) -> Row | None:
    return await statements.fetch_one(sql, args)


@future_safe(DATABASE_ERRORS)
async def _fetch_all(statements: SqlExecutor, sql: str, args: Sequence[Any]) -> list[Row]:
    return await statements.fetch_all(sql, args)


@future_safe(DATABASE_ERRORS)
async def _execute(statements: SqlExecutor, sql: str, args: Sequence[Any]) -> None:
    await statements.execute(sql, args)


def fetch_one(
    statements: SqlExecutor, sql: str, args: Sequence[Any]
) -> FutureResult[Row | None, AppError]:
    return _fetch_one(statements, sql, args).alt(database_failure)


def fetch_all(
    statements: SqlExecutor, sql: str, args: Sequence[Any]
) -> FutureResult[list[Row], AppError]:
    return _fetch_all(statements, sql, args).alt(database_failure)


def execute(statements: SqlExecutor, sql: str, args: Sequence[Any]) -> FutureResult[None, AppError]:
    return _execute(statements, sql, args).alt(database_failure)
