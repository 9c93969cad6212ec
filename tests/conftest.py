"""Shared fixtures: real databases, a migrated schema, and an in-process HTTP client.

PostgreSQL tests read the server from ``MY_API_TEST_POSTGRES_URL`` (an admin
URL; each test session creates and drops its own database there). Without
it they skip with a visible reason, unless ``MY_API_TEST_REQUIRE_SERVICES=1``
(set by CI), in which case an absent or unreachable server fails the run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import databases
import httpx2
import pytest
import stamina
from hypothesis import HealthCheck, settings
from lagom import Container
from returns.future import FutureResult
from returns.io import IOSuccess
from returns.result import Success

from my_api.adapters.memory.event_feed import InMemoryEventFeed
from my_api.adapters.memory.handler_progress import InMemoryHandlerProgress
from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.adapters.sql.event_feed import SqlEventFeed
from my_api.adapters.sql.handler_progress import SqlHandlerProgress
from my_api.adapters.sql.migrations import MigrationRunner
from my_api.adapters.sql.unit_of_work import SqlOptions, SqlUnitOfWork
from my_api.bootstrap import build_container, create_app
from my_api.kernel.event_feed import EventFeed
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.handler_progress import HandlerProgress
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import Settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POSTGRES_ENV = "MY_API_TEST_POSTGRES_URL"
REQUIRE_ENV = "MY_API_TEST_REQUIRE_SERVICES"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True, scope="session")
def _no_retry_backoff() -> Iterator[None]:
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (required because {REQUIRE_ENV}=1)")
    pytest.skip(reason)


@asynccontextmanager
async def fresh_postgres_database(prefix: str) -> AsyncIterator[str]:
    """A new, empty database on the server at MY_API_TEST_POSTGRES_URL, dropped afterwards."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        _unavailable(
            f"PostgreSQL tests need {POSTGRES_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    assert admin_url is not None
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(admin_url, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        _unavailable(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {error}")
        raise
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        admin = await asyncpg.connect(admin_url, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for this test session."""
    async with fresh_postgres_database("my_api_test") as url:
        yield url


def sql_unit_of_work_on(
    database: databases.Database,
    url: str,
    acquire_timeout: float = 5.0,
    tables: tuple[EntityTable[Any], ...] | None = None,
) -> SqlUnitOfWork:
    """The service's SQL unit of work, built by the composition root, on ``database``
    (a connected ``databases.Database`` for ``url``, owned by the test); ``tables``
    replaces the served resources' tables (a table not served yet, such as orders).
    """
    container = build_container(
        Settings(database_url=url, db_acquire_timeout_seconds=acquire_timeout)
    ).clone()
    container[databases.Database] = database
    if tables is not None:
        container[SqlOptions] = SqlOptions(tables)
    return container[SqlUnitOfWork]


async def _migrated(settings: Settings) -> None:
    container = build_container(settings)
    database = container[databases.Database]
    await database.connect()
    try:
        result = await container[MigrationRunner].apply()
        assert isinstance(result, Success), result
    finally:
        await database.disconnect()


@pytest.fixture(scope="session")
async def migrated_postgres(postgres_url: str) -> str:
    await _migrated(Settings(database_url=postgres_url))
    return postgres_url


async def _truncate(url: str) -> None:
    """Empty every table, except the ledger and the feed's one row (0004), which is reset."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('schema_migrations', 'event_feed')"
        )
        if tables:
            names = ", ".join(f'"{row[0]}"' for row in tables)
            await connection.execute(f"TRUNCATE {names}")
        await connection.execute("UPDATE event_feed SET last_sequence = 0")
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind (one test run per backend).

    Sync on purpose: it pulls the async session fixture by name, which pytest
    cannot do from inside a running event loop.
    """
    if request.param == "sqlite":
        sqlite_url = f"sqlite:///{tmp_path / 'test.db'}"
        asyncio.run(_migrated(Settings(database_url=sqlite_url)))
        return sqlite_url
    postgres: str = request.getfixturevalue("migrated_postgres")
    asyncio.run(_truncate(postgres))
    return postgres


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[databases.Database]:
    """A connected ``databases.Database`` on a migrated, empty schema."""
    db = build_container(Settings(database_url=database_url))[databases.Database]
    await db.connect()
    yield db
    await db.disconnect()


@attrs.frozen
class Adapter:
    """A unit of work over one storage adapter, and how to empty its items."""

    unit_of_work: UnitOfWork
    clear: Callable[[], Awaitable[None]]


ADAPTERS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ADAPTERS)
def adapter_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """The database behind the adapter (None for the in-memory one).

    Sync on purpose: it pulls the async session fixture by name, which pytest
    cannot do from inside a running event loop.
    """
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'adapter.db'}"
    postgres: str = request.getfixturevalue("migrated_postgres")
    return postgres


@pytest.fixture
async def adapter(adapter_url: str | None) -> AsyncIterator[Adapter]:
    """Every adapter of the unit-of-work port, each migrated and empty: the SQL one on
    SQLite and on PostgreSQL, and the in-memory one.
    """
    if adapter_url is None:
        memory = InMemoryUnitOfWork()

        async def forget() -> None:
            memory.tables.clear()

        yield Adapter(memory, forget)
        return
    settings = Settings(database_url=adapter_url)
    await _migrated(settings)
    container = build_container(settings)
    database = container[databases.Database]
    await database.connect()
    try:

        async def delete_all() -> None:
            await database.execute("DELETE FROM items")

        await delete_all()
        uow = container[SqlUnitOfWork]
        yield Adapter(uow, delete_all)
    finally:
        await database.disconnect()


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx2.AsyncClient]]


@pytest.fixture
def client_for() -> ClientFactory:
    """Build the real app (lifespan included) and talk to it in-process.

    ``client_for(url, overrides=..., **settings)``: ``overrides`` is a function
    that may rebind anything in the container before the app is created.
    """

    @asynccontextmanager
    async def open_client(
        url: str,
        overrides: Callable[[Container], None] | None = None,
        **values: Any,
    ) -> AsyncIterator[httpx2.AsyncClient]:
        # A clone: bindings made on it shadow the root's (lagom refuses to redefine).
        container = build_container(Settings(database_url=url, access_log=False, **values)).clone()
        if overrides is not None:
            overrides(container)
        app = create_app(container)
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx2.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            yield client

    return open_client


@pytest.fixture
async def client(database_url: str, client_for: ClientFactory) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client on the real app over each backend."""
    async with client_for(database_url) as http:
        yield http


@attrs.frozen
class EventStore:
    """The feed and handler-progress ports over one storage, and how to commit events.

    ``write`` commits one unit of work whose events are the given ones: through
    ``SqlUnitOfWork.atomically`` on SQL, and on the in-memory outbox as the
    in-memory unit of work appends to it when a unit commits.
    """

    feed: EventFeed
    progress: HandlerProgress
    write: Callable[[Sequence[DomainEvent]], Awaitable[None]]
    # The connected database behind the SQL ports (None in memory), and its URL.
    database: databases.Database | None = None
    url: str | None = None


@pytest.fixture
async def event_store(adapter_url: str | None) -> AsyncIterator[EventStore]:
    """The event ports over every adapter (memory, SQLite, PostgreSQL), migrated and empty."""
    if adapter_url is None:
        outbox: list[DomainEvent] = []

        async def append(events: Sequence[DomainEvent]) -> None:
            outbox.extend(events)

        yield EventStore(InMemoryEventFeed(outbox), InMemoryHandlerProgress(), append)
        return
    settings = Settings(database_url=adapter_url)
    await _migrated(settings)
    if adapter_url.startswith("postgresql"):
        await _truncate(adapter_url)
    container = build_container(settings)
    database = container[databases.Database]
    await database.connect()
    try:
        uow = container[SqlUnitOfWork]

        async def commit(events: Sequence[DomainEvent]) -> None:
            written = await uow.atomically(
                lambda _: FutureResult.from_value(Emitted(None, tuple(events)))
            )
            assert written == IOSuccess(None)

        feed, progress = container[SqlEventFeed], container[SqlHandlerProgress]
        yield EventStore(feed, progress, commit, database, adapter_url)
    finally:
        await database.disconnect()
