"""A measurement fixture: this service with ``databases`` taken off the request path.

The service never imports this. It answers one question of the budget
analysis (docs/performance.md, "The budget") in the same run as the others:
what does the ``databases`` connection wrapper cost per request, everything
else unchanged? Each unit of work here takes its connection straight from an
asyncpg pool, bounded by asyncpg's own acquire timeout, and then runs exactly
as the service's ``SqlUnitOfWork`` does: the bench binds its own ``Connections``
in a clone of the service's container. Routes,
middleware, pipelines, SQL, mapping and JSON are the service's own.

Run: ``MY_API_DATABASE_URL=postgresql://... uvicorn service_without_databases:app --factory``
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from lagom import Container
from starlette.applications import Starlette

from my_api.adapters.sql.connections import Connections, HeldConnection, Transaction
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.executor import EXECUTORS, StatementTransaction
from my_api.bootstrap import build_container, create_app, provides
from my_api.logging import configure_logging
from my_api.settings import load_settings


async def _no_reset(_: Any) -> None:
    """As the service's pool: no reset query on release."""


class _PoolConnection:
    def __init__(self, connection: asyncpg.Connection[Any], dialect: Dialect) -> None:
        self._dialect = dialect
        self.statements = EXECUTORS[dialect.name](connection)

    def transaction(self, *, snapshot: bool) -> Transaction:
        dialect = self._dialect
        begin = dialect.begin_snapshot if snapshot else dialect.begin_write
        return StatementTransaction(self.statements, begin)


class PoolConnections:
    """``Connections`` straight from an asyncpg pool (created in the lifespan)."""

    pool: asyncpg.Pool[Any]

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect

    @asynccontextmanager
    async def hold(self, *, writing: bool = False) -> AsyncIterator[HeldConnection]:  # noqa: ARG002
        async with self.pool.acquire() as connection:
            yield _PoolConnection(connection, self._dialect)


def app() -> Starlette:
    settings = load_settings(os.environ).unwrap()
    configure_logging(settings.log_level.value)  # as the service's own factory does
    container = build_container(settings).clone()  # a clone may redefine a binding
    connections = PoolConnections(container[Dialect])

    @provides(container)
    def _from_the_pool(_: Container) -> Connections:
        return connections

    # On the service's own `databases.Database`, which its lifespan still connects and migrates.
    application = create_app(container, on_started=gc.freeze)  # as `my-api serve` runs it
    service_lifespan = application.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[None]:
        # The pool first: the service's start-up (migrations, schema check) already
        # holds connections through the port it now serves.
        pool = await asyncpg.create_pool(
            settings.database_url,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            reset=_no_reset,
        )
        connections.pool = pool
        async with pool, service_lifespan(started):
            yield

    application.router.lifespan_context = lifespan
    return application
