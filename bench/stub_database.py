"""A database that answers at once, for measuring each app's own Python cost.

``bench/profile_inprocess.py --stub-database`` runs both apps against these
stubs instead of PostgreSQL: every statement returns a canned row (or page,
or count) after one ``await asyncio.sleep(0)``, so a request still suspends
where a real round trip would, but no time goes to the network, the driver
or the server. The CPU per request that remains is the app's own work, and
it is steady to within a microsecond or so from run to run, which makes it
the measure for tracing a regression to a layer. It leaves out what the
stubs replace: asyncpg, the pool, and ``databases`` (see
``service_without_databases.py`` and ``connection_cost.py`` for those).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from returns.result import Result

from my_api.adapters.repositories.sql_unit_of_work import Mode, SqlUnitOfWork, Work
from my_api.core.errors import AppError

COLUMNS = (
    "id",
    "name",
    "description",
    "price",
    "quantity",
    "created_at",
    "updated_at",
    "version",
    "deleted_at",
)
TOTAL = 100_000


class StubRow(dict[str, Any]):
    """Read by position (the service) or by name (bare), as an asyncpg Record is."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


def _row() -> StubRow:
    now = datetime.now(UTC)
    values = (uuid.uuid4(), "stubbed", None, Decimal("12.50"), 3, now, now, 1, None)
    return StubRow(zip(COLUMNS, values, strict=True))


ROW = _row()
PAGE = [_row() for _ in range(20)]


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

    async def fetchrow(self, sql: str, *_: Any) -> Any:
        await asyncio.sleep(0)
        return (TOTAL,) if sql.startswith("SELECT count(") else ROW

    async def fetch(self, _sql: str, *_: Any) -> list[Any]:
        await asyncio.sleep(0)
        return PAGE

    async def fetchval(self, sql: str, *_: Any) -> Any:
        await asyncio.sleep(0)
        return TOTAL if sql.startswith("SELECT count(") else ROW["id"]

    async def execute(self, _sql: str, *_: Any) -> str:
        await asyncio.sleep(0)
        return "INSERT 0 1"

    def transaction(self, **_: Any) -> StubTransaction:
        return StubTransaction()


class _Held:
    async def __aenter__(self) -> StubConnection:
        return StubConnection()

    async def __aexit__(self, *_: object) -> None:
        return None


class StubPool:
    """Stands in for bare's module-level asyncpg pool."""

    def acquire(self) -> _Held:
        return _Held()


class StubUnitOfWork(SqlUnitOfWork):
    """The service's own unit of work, handed a stub connection instead of acquiring one."""

    async def _run(self, work: Work[Any], mode: Mode) -> Result[Any, AppError]:
        return await self._on_connection(StubConnection(), work, mode)
