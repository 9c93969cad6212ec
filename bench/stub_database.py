"""A database that answers at once, for measuring each app's own Python cost.

``bench/profile_inprocess.py --stub-database`` runs both apps against these
stubs instead of PostgreSQL: every statement returns a canned row (or page,
or count) after one ``await asyncio.sleep(0)``, so a request still suspends
where a real round trip would, but no time goes to the network, the driver
or the server. The CPU per request that remains is the app's own work, and
it mostly repeats to a microsecond or two from run to run, which makes it
the measure for tracing a regression to a layer. It leaves out what the
stubs replace: asyncpg, the pool, and ``databases`` (see
``service_without_databases.py`` and ``connection_cost.py`` for those).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from database import COLUMNS  # the seeded table's columns, in order
from lagom import Container

from my_api.adapters.sql.connections import HeldConnection
from my_api.adapters.sql.dialect import Dialect, DialectName
from my_api.adapters.sql.executor import EXECUTORS
from my_api.adapters.sql.unit_of_work import SqlOptions, SqlUnitOfWork
from my_api.bootstrap import provides
from my_api.kernel.bells import CommitBell
from my_api.kernel.unit_of_work import UnitOfWork

TOTAL = 100_000


def _row() -> tuple[Any, ...]:
    now = datetime.now(UTC)
    return (uuid.uuid4(), "stubbed", None, Decimal("12.50"), 3, now, now, 1, None)


# An asyncpg Record is read by position (the service) or by name (bare), both in C.
# Each app gets the plain type that reads its way at the same speed.
ROW = _row()
PAGE = [_row() for _ in range(20)]
ROW_BY_NAME = dict(zip(COLUMNS, ROW, strict=True))
PAGE_BY_NAME = [dict(zip(COLUMNS, row, strict=True)) for row in PAGE]


class StubTransaction:
    async def start(self) -> None:
        await asyncio.sleep(0)

    async def commit(self) -> None:
        await asyncio.sleep(0)

    async def rollback(self) -> None:
        await asyncio.sleep(0)

    async def __aenter__(self) -> StubTransaction:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.commit()


class StubConnection:
    """The part of asyncpg's connection that the service and bare use."""

    def __init__(self, *, by_name: bool) -> None:
        self._row: Any = ROW_BY_NAME if by_name else ROW
        self._page: list[Any] = PAGE_BY_NAME if by_name else PAGE

    async def fetchrow(self, sql: str, *_: Any) -> Any:
        await asyncio.sleep(0)
        return (TOTAL,) if sql.startswith("SELECT count(") else self._row

    async def fetch(self, _sql: str, *_: Any) -> list[Any]:
        await asyncio.sleep(0)
        return self._page

    async def fetchval(self, sql: str, *_: Any) -> Any:
        await asyncio.sleep(0)
        return TOTAL if sql.startswith("SELECT count(") else ROW[0]

    async def execute(self, _sql: str, *_: Any) -> str:
        await asyncio.sleep(0)
        return "INSERT 0 1"

    def transaction(self, **_: Any) -> StubTransaction:
        return StubTransaction()


class _Held:
    async def __aenter__(self) -> StubConnection:
        return StubConnection(by_name=True)

    async def __aexit__(self, *_: object) -> None:
        return None


class StubPool:
    """Stands in for bare's module-level asyncpg pool."""

    def acquire(self) -> _Held:
        return _Held()


class _StubHeld:
    def __init__(self) -> None:
        self.statements = EXECUTORS[DialectName.POSTGRESQL](StubConnection(by_name=False))

    def transaction(self, *, snapshot: bool) -> StubTransaction:  # noqa: ARG002 - the port's signature
        return StubTransaction()


class StubConnections:
    """The service's ``Connections`` port, handing out stub connections."""

    @asynccontextmanager
    async def hold(self, *, writing: bool = False) -> AsyncIterator[HeldConnection]:  # noqa: ARG002
        yield _StubHeld()


def stubbed_connections(container: Container) -> None:
    """Serve the service's requests on ``StubConnections`` (on a clone of its container):
    its unit of work is the service's own, over stubs; start-up (migrations, the schema
    check) still talks to the real database.

    At module level because lagom reads the provider's annotations with
    ``get_type_hints``, which sees this module's globals only.
    """

    @provides(container)
    def _stubbed(c: Container) -> UnitOfWork:
        return SqlUnitOfWork(StubConnections(), c[Dialect], c[SqlOptions], committed=c[CommitBell])
