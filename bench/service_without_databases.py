"""A measurement fixture: this service with ``databases`` taken off the request path.

The service never imports this. It answers one question of the budget
analysis (docs/performance.md, "The budget") in the same run as the others:
what does the ``databases`` connection wrapper cost per request, everything
else unchanged? Each unit of work here takes its connection straight from an
asyncpg pool, bounded by asyncpg's own acquire timeout, and then runs exactly
as the service's ``SqlUnitOfWork`` does (``_on_connection``). Routes,
middleware, pipelines, SQL, mapping and JSON are the service's own.

Run: ``MY_API_DATABASE_URL=postgresql://... uvicorn service_without_databases:app --factory``
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from returns.result import Failure, Result
from starlette.applications import Starlette

from my_api.adapters.http.app import create_app
from my_api.adapters.sql.errors import DATABASE_ERRORS, database_failure
from my_api.adapters.sql.unit_of_work import Mode, SqlUnitOfWork, Work
from my_api.bootstrap import build_container, sql_unit_of_work
from my_api.kernel.errors import AppError
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.logging import configure_logging
from my_api.settings import load_settings


async def _no_reset(_: Any) -> None:
    """As the service's pool: no reset query on release."""


class PoolUnitOfWork(SqlUnitOfWork):
    pool: asyncpg.Pool[Any]

    async def _run(self, work: Work[Any], mode: Mode) -> Result[Any, AppError]:
        try:
            held = await self.pool.acquire(timeout=self._acquire_timeout)
        except DATABASE_ERRORS as error:
            return Failure(database_failure(error))
        try:
            return await self._on_connection(held, work, mode)  # the service's own unit
        finally:
            await self.pool.release(held)


def app() -> Starlette:
    settings = load_settings(os.environ).unwrap()
    configure_logging(settings.log_level.value)  # as the service's own factory does
    container = build_container(settings).clone()  # a clone may redefine a dependency
    # On the service's own `databases.Database`, which its lifespan still connects and migrates.
    uow = sql_unit_of_work(container, PoolUnitOfWork)
    container[UnitOfWork] = uow
    application = create_app(container)
    service_lifespan = application.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[None]:
        async with service_lifespan(started):
            pool = await asyncpg.create_pool(
                settings.database_url,
                min_size=settings.db_pool_min_size,
                max_size=settings.db_pool_max_size,
                reset=_no_reset,
            )
            uow.pool = pool
            async with pool:
                yield

    application.router.lifespan_context = lifespan
    return application
