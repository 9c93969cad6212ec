"""A rollback that fails never replaces the outcome that caused it.

The connection source here is a fake whose ROLLBACK raises a database error, as it
would when the server has gone away mid-unit; the unit of work is the real one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from returns.future import FutureResult

from my_api.adapters.sql.connections import HeldConnection
from my_api.adapters.sql.dialect import POSTGRESQL
from my_api.adapters.sql.executor import Row
from my_api.adapters.sql.unit_of_work import SqlOptions, SqlUnitOfWork
from my_api.kernel.bells import CommitBell
from my_api.kernel.errors import AppError, NotFound
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.unit_of_work import Session


class _Statements:
    """The executor's shape; the work here never runs a statement."""

    async def fetch_one(self, sql: str, args: Any = ()) -> Row | None:  # noqa: ARG002
        return None

    async def fetch_all(self, sql: str, args: Any = ()) -> list[Row]:  # noqa: ARG002
        return []

    async def execute(self, sql: str, args: Any = ()) -> None:  # noqa: ARG002
        return None


class _RollbackFails:
    def __init__(self, log: list[str]) -> None:
        self._log = log

    async def start(self) -> None:
        self._log.append("BEGIN")

    async def commit(self) -> None:
        self._log.append("COMMIT")

    async def rollback(self) -> None:
        self._log.append("ROLLBACK")
        raise ConnectionResetError("the server closed the connection")


class _Held:
    def __init__(self, log: list[str]) -> None:
        self.statements = _Statements()
        self._log = log

    def transaction(self, *, snapshot: bool) -> _RollbackFails:  # noqa: ARG002 - the port's shape
        return _RollbackFails(self._log)


class _Connections:
    def __init__(self) -> None:
        self.log: list[str] = []

    @asynccontextmanager
    async def hold(self, *, writing: bool = False) -> AsyncIterator[HeldConnection]:  # noqa: ARG002
        self.log.append("acquire")
        try:
            yield _Held(self.log)
        finally:
            self.log.append("release")


MISSING = NotFound("items", "nowhere")


def _failing(_: Session) -> FutureResult[None, AppError]:
    return FutureResult.from_failure(MISSING)


def _raising(_: Session) -> FutureResult[None, AppError]:
    raise RuntimeError("a bug in the work")


@pytest.fixture
def connections() -> _Connections:
    return _Connections()


@pytest.fixture
def unit(connections: _Connections) -> SqlUnitOfWork:
    return SqlUnitOfWork(connections, POSTGRESQL, SqlOptions(()), committed=CommitBell())


async def test_a_failure_is_returned_as_it_was_when_its_rollback_fails(
    unit: SqlUnitOfWork, connections: _Connections
) -> None:
    outcome = performed(await unit.atomically(lambda s: _failing(s).map(Emitted)))

    assert outcome.failure() == MISSING
    assert connections.log == ["acquire", "BEGIN", "ROLLBACK", "release"]


async def test_the_work_s_exception_propagates_when_its_rollback_fails(
    unit: SqlUnitOfWork, connections: _Connections
) -> None:
    with pytest.raises(RuntimeError, match="a bug in the work"):
        await unit.atomically(lambda s: _raising(s).map(Emitted))

    assert connections.log == ["acquire", "BEGIN", "ROLLBACK", "release"]
