"""The ASGI application, assembled from a container."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import databases
from lagom import Container
from returns.result import Failure
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from my_api.adapters.http.crud_router import GenericCRUDRouter
from my_api.adapters.http.health import health_routes
from my_api.adapters.http.middleware.body_limit import BodyLimitMiddleware
from my_api.adapters.http.middleware.request_id import RequestIdMiddleware
from my_api.adapters.http.middleware.security_headers import SecurityHeadersMiddleware
from my_api.adapters.http.middleware.unexpected_errors import UnexpectedErrorMiddleware
from my_api.adapters.http.problems import http_exception
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.migrations import MigrationRunner, directory_for
from my_api.application.catalog import RESOURCES
from my_api.application.crud import CrudUseCases
from my_api.bootstrap import build_container
from my_api.kernel.clock import Clock, IdFactory
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.logging import configure_logging
from my_api.settings import Settings, load_settings


class StartupError(RuntimeError):
    """The service cannot start; the message says why."""


def create_app(container: Container) -> Starlette:
    settings = container[Settings]
    database = container[databases.Database]
    dialect = container[Dialect]
    uow, clock, new_id = container[UnitOfWork], container[Clock], container[IdFactory]

    routes: list[BaseRoute] = []
    for resource in RESOURCES:
        router = GenericCRUDRouter(
            CrudUseCases(resource, uow, clock, new_id),
            clock=clock,
            require_if_match=settings.require_if_match,
            cursors=container[CursorCodec],
        )
        routes += router.routes
    # Resource routes first: the router tries routes in order, and they are the hot ones.
    routes += health_routes(database, timeout_seconds=settings.health_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.connect()
        try:
            if settings.migrate_on_start:
                applied = await MigrationRunner(database, dialect, directory_for(dialect)).apply()
                if isinstance(applied, Failure):
                    raise StartupError(applied.failure())
            # Start-up objects live as long as the process: keep them out of the
            # collector's generations, which shortens its pauses (tail latency).
            gc.freeze()
            yield
        finally:
            await database.disconnect()

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware, log_access=settings.access_log),
            Middleware(
                SecurityHeadersMiddleware, hsts_max_age_seconds=settings.hsts_max_age_seconds
            ),
            Middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes),
            Middleware(UnexpectedErrorMiddleware),
        ],
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """Factory for ``uvicorn --factory``: settings from the environment, logging configured."""
    settings = load_settings(os.environ).alt(lambda problems: StartupError("; ".join(problems)))
    if isinstance(settings, Failure):
        raise settings.failure()
    configure_logging(settings.unwrap().log_level.value)
    return create_app(build_container(settings.unwrap()))
