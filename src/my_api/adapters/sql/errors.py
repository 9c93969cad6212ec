"""Driver exceptions become ``AppError`` values here, and nowhere else.

``guarded`` wraps an adapter coroutine: the known database failures turn into
values (unique violation -> Conflict, connection trouble -> Unavailable) and
are logged with their driver text, which never reaches a client. Anything
else is a bug and propagates to the HTTP edge's 500 handler.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import asyncpg
from returns.future import FutureResult
from returns.result import Failure, Result

from my_api.kernel.errors import AppError, Conflict, MalformedRequest, Unavailable

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
    OSError,
    TimeoutError,
)


def database_failure(error: Exception) -> AppError:
    """Log the driver's own words for operators; give the client a value."""
    log.warning("database operation failed: %s", type(error).__name__, exc_info=error)
    unique = isinstance(error, asyncpg.UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)
    )
    if unique:
        return Conflict("A resource with the same identity already exists.")
    if isinstance(error, asyncpg.IntegrityConstraintViolationError | sqlite3.IntegrityError):
        return Conflict("The change violates a data integrity rule.")
    # The server's DataError (SQLSTATE 22) and asyncpg's own refusal to encode
    # an argument (an InterfaceError subclass with the same name).
    if isinstance(error, asyncpg.DataError | asyncpg.exceptions._base.DataError):
        # A value the database cannot hold: the client's input, not an outage.
        return MalformedRequest("A value in the request is outside what can be stored.")
    return Unavailable("database")


def guarded(
    operation: Callable[P, Awaitable[Result[T, AppError]]],
) -> Callable[P, FutureResult[T, AppError]]:
    @wraps(operation)
    def run(*args: P.args, **kwargs: P.kwargs) -> FutureResult[T, AppError]:
        return FutureResult(_attempt(operation(*args, **kwargs)))

    return run


async def _attempt(pending: Awaitable[Result[T, AppError]]) -> Result[T, AppError]:
    try:
        return await pending
    except DATABASE_ERRORS as error:
        return Failure(database_failure(error))
