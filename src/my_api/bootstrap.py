"""The composition root: settings in, every object of the service out.

This is the one module that decides which adapter serves which port. The app
(``my_api.app``), the CLI, the tests and the benchmarks all build from
``build_container``; nothing else constructs an adapter for the service.

lagom does the wiring. Values are bound as instances; each port (a
``typing.Protocol``) is bound to the adapter that serves it, and lagom builds
that adapter from its constructor's annotations. Tests and benchmarks override
a binding on a clone (lagom refuses to redefine one in place)::

    container = build_container(settings).clone()

    @provides(container)
    def _in_memory(_: Container) -> UnitOfWork:
        return InMemoryUnitOfWork()

Ports are bound with ``dependency_definition`` (the key is the function's return
annotation) rather than ``container[Port] = ...``: mypy rightly refuses a
Protocol where ``type[T]`` is expected (python/mypy#4717), and this keeps that
check on.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import databases
from lagom import Container, dependency_definition
from returns.result import Failure, Result, Success
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from my_api.adapters.http.asgi import HttpOptions, create_asgi_app
from my_api.adapters.http.auth_guard import Guard
from my_api.adapters.http.auth_jwt import JwtAuthenticator, JwtOptions
from my_api.adapters.http.crud_router import GenericCRUDRouter
from my_api.adapters.http.event_feed import FEED_COLLECTION, FeedOptions, event_feed_routes
from my_api.adapters.http.health import health_routes
from my_api.adapters.http.middleware.allowed_hosts import allowed_hosts
from my_api.adapters.http.query_limits import QueryLimits
from my_api.adapters.sql.api_keys import SqlApiKeys
from my_api.adapters.sql.connections import AcquireTimeout, Connections, DatabaseConnections
from my_api.adapters.sql.database import PoolSize, TimeLimits, create_database
from my_api.adapters.sql.dialect import Dialect, dialect_for
from my_api.adapters.sql.errors import DATABASE_ERRORS
from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.handler_progress import SqlHandlerProgress
from my_api.adapters.sql.migrations import MigrationRunner, directory_for
from my_api.adapters.sql.schema import check_schema
from my_api.adapters.sql.unit_of_work import SqlOptions, SqlUnitOfWork
from my_api.application.api_keys import ApiKeyUseCases
from my_api.application.bus_logging import logged
from my_api.application.catalog import RESOURCES, Resources
from my_api.application.event_handlers import EventHandlers
from my_api.application.handlers import handlers_for
from my_api.application.relay import Relay, RelayOptions
from my_api.application.use_cases import CrudUseCases
from my_api.kernel.api_keys import ApiKeyStore
from my_api.kernel.bells import CommitBell, FeedBell
from my_api.kernel.bus import CommandBus, Handlers, QueryBus
from my_api.kernel.clock import Clock, IdFactory, new_id, utc_now
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.event_feed import EventFeed
from my_api.kernel.handler_progress import HandlerProgress
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import AuthMode, Settings, algorithm_names, subscriber_paths

log = logging.getLogger(__name__)
P = TypeVar("P", bound=Callable[..., object])


class StartupError(RuntimeError):
    """The service cannot start; the message says why."""


def dialect_of(settings: Settings) -> Dialect:
    dialect = dialect_for(settings.database_url)
    if dialect is None:  # pragma: no cover - Settings validates the scheme
        raise StartupError(f"unsupported database URL scheme in {settings.database_url!r}")
    return dialect


def provides(container: Container, *, singleton: bool = True) -> Callable[[P], P]:
    """lagom's ``dependency_definition``, typed: it binds the decorated provider to its
    return annotation in ``container`` (lagom leaves the decorator unannotated).
    """
    define: Callable[..., Callable[[P], P]] = dependency_definition
    return define(container, singleton=singleton)


def build_container(settings: Settings, resources: Resources = RESOURCES) -> Container:
    container = Container()
    dialect = dialect_of(settings)
    container[Settings] = settings
    container[Resources] = resources
    container[Dialect] = dialect
    container[databases.Database] = create_database(
        settings.database_url,
        dialect,
        PoolSize(settings.db_pool_min_size, settings.db_pool_max_size),
        TimeLimits(settings.db_statement_timeout_seconds, settings.db_lock_timeout_seconds),
    )
    container[SqlOptions] = SqlOptions(resources.tables)
    container[Handlers] = handlers_for(resources.all)
    container[AcquireTimeout] = AcquireTimeout(settings.db_acquire_timeout_seconds)
    hosts = allowed_hosts(settings.allowed_hosts, settings.host)
    if isinstance(hosts, Failure):
        raise StartupError(hosts.failure())
    container[HttpOptions] = HttpOptions(
        access_log=settings.access_log,
        hsts_max_age_seconds=settings.hsts_max_age_seconds,
        max_body_bytes=settings.max_body_bytes,
        require_if_match=settings.require_if_match,
        allowed_hosts=hosts.unwrap(),
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    secret = settings.cursor_secret.encode() or secrets.token_bytes(32)
    container[CursorCodec] = CursorCodec(secret)
    container[QueryLimits] = QueryLimits(
        max_depth=settings.query_max_depth,
        max_terms=settings.query_max_terms,
        max_in_values=settings.query_max_in_values,
        max_length=settings.query_max_length,
    )
    # Domain events (docs/events.md): the commit bell the unit of work rings after a commit
    # that stored events, the bell the relay rings after publishing, and the handlers,
    # which whoever builds the service subscribes before the app starts.
    container[CommitBell] = CommitBell()
    container[FeedBell] = FeedBell()
    container[EventHandlers] = subscribed(subscriber_paths(settings.event_subscribers))
    container[RelayOptions] = RelayOptions(
        poll_seconds=settings.relay_poll_seconds,
        batch=settings.relay_batch,
        attempts=settings.relay_handler_attempts,
    )
    container[FeedOptions] = FeedOptions(poll_seconds=settings.relay_poll_seconds)

    @provides(container)
    def _connections(c: Container) -> Connections:
        return c[DatabaseConnections]

    @provides(container)
    def _unit_of_work(c: Container) -> UnitOfWork:
        return c[SqlUnitOfWork]

    @provides(container)
    def _commands(c: Container) -> CommandBus:
        return c.magic_partial(_command_bus)()

    @provides(container)
    def _queries(c: Container) -> QueryBus:
        return c.magic_partial(_query_bus)()

    @provides(container)
    def _migrations(c: Container) -> MigrationRunner:
        return c.magic_partial(_migration_runner)()

    @provides(container)
    def _api_keys(c: Container) -> ApiKeyStore:
        return c[SqlApiKeys]

    @provides(container)
    def _event_feed(c: Container) -> EventFeed:
        return c[SqlEventFeed]

    @provides(container)
    def _handler_progress(c: Container) -> HandlerProgress:
        return c[SqlHandlerProgress]

    @provides(container)
    def _relay(c: Container) -> Relay:
        return c.magic_partial(Relay)()

    @provides(container)
    def _guard(c: Container) -> Guard:
        return _guard_for(settings, c)

    @provides(container, singleton=False)
    def _clock() -> Clock:
        return utc_now

    @provides(container, singleton=False)
    def _ids() -> IdFactory:
        return new_id

    return container


def subscribed(subscribers: tuple[str, ...]) -> EventHandlers:
    """The event handlers each ``package.module:function`` subscribes, called in order
    with one registry. A subscriber that cannot be imported or fails stops start-up,
    naming it: a service quietly missing its handlers would lose their work.
    """
    handlers = EventHandlers()
    for path in subscribers:
        module_name, function_name = path.split(":")
        try:
            subscribe = getattr(importlib.import_module(module_name), function_name)
            subscribe(handlers)
        except Exception as error:  # an IO edge: whatever the subscriber raises
            raise StartupError(
                f"MY_API_EVENT_SUBSCRIBERS: {path}: {type(error).__name__}: {error}"
            ) from error
    return handlers


def _guard_for(settings: Settings, container: Container) -> Guard:
    """Who checks credentials: nobody, stored API keys, or a JWT verifier."""
    match settings.auth:
        case AuthMode.LOCAL | AuthMode.OFF:
            return Guard()
        case AuthMode.API_KEYS:
            keys = container[ApiKeyUseCases]
            return Guard(keys.authenticate, public_reads=settings.auth_public_reads)
        case AuthMode.JWT:
            options = JwtOptions(
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                algorithms=algorithm_names(settings.jwt_algorithms),
                jwks_url=settings.jwt_jwks_url,
                key=settings.jwt_key,
                leeway_seconds=settings.jwt_leeway_seconds,
            )
            return Guard(JwtAuthenticator(options), public_reads=settings.auth_public_reads)


# The middleware around every handler, outermost first; tracing and caching join here.
BUS_MIDDLEWARE = (logged,)


def _command_bus(handlers: Handlers, uow: UnitOfWork, clock: Clock, ids: IdFactory) -> CommandBus:
    return CommandBus(handlers.commands, uow, clock, ids, middleware=BUS_MIDDLEWARE)


def _query_bus(handlers: Handlers, uow: UnitOfWork) -> QueryBus:
    return QueryBus(handlers.queries, uow, middleware=BUS_MIDDLEWARE)


def _migration_runner(connections: Connections, dialect: Dialect) -> MigrationRunner:
    return MigrationRunner(connections, dialect, directory_for(dialect))


def resource_routes(
    resources: Resources,
    commands: CommandBus,
    queries: QueryBus,
    clock: Clock,
    cursors: CursorCodec,
    options: HttpOptions,
    guard: Guard,
    query_limits: QueryLimits,
) -> list[BaseRoute]:
    """Every declared resource's routes, sending their messages through the buses.

    A message no handler answers stops the service here, at start-up, and so does a
    resource whose collection would shadow the change feed (``/api/v1/events``).
    """
    routes: list[BaseRoute] = []
    for resource in resources.all:
        if resource.name == FEED_COLLECTION:
            raise StartupError(f"a resource may not be named {FEED_COLLECTION!r}: the feed is")
        try:
            use_cases: CrudUseCases[Any, Any] = CrudUseCases(resource, commands, queries)
        except ValueError as unanswered:
            raise StartupError(str(unanswered)) from unanswered
        router = GenericCRUDRouter(
            use_cases,
            clock=clock,
            require_if_match=options.require_if_match,
            cursors=cursors,
            guard=guard,
            query_limits=query_limits,
        )
        routes += router.routes
    return routes


async def prepare_database(container: Container) -> Result[None, str]:
    """Migrate (when configured), then check that every entity's columns exist.

    The database must be connected.
    """
    if container[Settings].migrate_on_start:
        applied = await container[MigrationRunner].apply()
        if isinstance(applied, Failure):
            return Failure(applied.failure())
    mappings = [table.mapping for table in container[Resources].tables]
    try:
        return await container.magic_partial(check_schema)(mappings=mappings)
    except DATABASE_ERRORS as error:
        # Not migrating, and the database is down: serve anyway (readiness says 503).
        log.warning("schema check skipped, database unreachable: %s", type(error).__name__)
        return Success(None)


async def stop_relay(relay: asyncio.Task[None]) -> None:
    """Cancel the relay and wait until it has stopped: a pass in flight rolls back."""
    relay.cancel()
    await asyncio.wait([relay])
    if not relay.cancelled() and relay.exception() is not None:  # pragma: no cover - a bug
        log.error("the relay had stopped", exc_info=relay.exception())


def create_app(container: Container, *, on_started: Callable[[], None] = lambda: None) -> Starlette:
    """The ASGI app: routes from the declared resources, and a lifespan that connects
    the database, prepares it, and calls ``on_started`` once the service is ready.
    """
    database = container[databases.Database]
    settings = container[Settings]
    if settings.auth is AuthMode.OFF:
        log.warning("authentication is off (MY_API_AUTH=off): every request is served")
    # Resource routes first: the router tries routes in order, and they are the hot ones.
    routes = container.magic_partial(resource_routes)()
    routes += container.magic_partial(event_feed_routes)()
    probe = container[DatabaseConnections].ping
    routes += health_routes(probe, timeout_seconds=settings.health_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.connect()
        try:
            prepared = await prepare_database(container)
            if isinstance(prepared, Failure):
                raise StartupError(prepared.failure())
            # After the database is prepared: a pass needs the tables.
            relay = asyncio.create_task(container[Relay].run()) if settings.relay else None
            try:
                on_started()
                yield
            finally:
                if relay is not None:
                    await stop_relay(relay)
        finally:
            await database.disconnect()

    return create_asgi_app(routes, container[HttpOptions], lifespan)
