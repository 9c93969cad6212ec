"""The unit of work commits only on Success, on real databases.

Every outcome is checked afterwards from outside the unit of work, with a
separate query on a separate connection, so a test cannot be fooled by what
the unit's own connection still sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import attrs
import databases
import pytest
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError, Conflict, NotFound, Unavailable
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.unit_of_work import Session, UnitOfWork
from tests.conftest import sql_unit_of_work_on

RowsProbe = Callable[[], Awaitable[dict[UUID, int]]]
"""The stored rows, read from outside any unit of work: id -> version."""


class Boom(Exception):
    """A bug inside a unit of work."""


def an_item(name: str = "Lamp") -> Item:
    moment = utc_now()
    return Item(
        id=new_id(),
        name=name,
        description=None,
        price=Decimal("9.99"),
        quantity=1,
        created_at=moment,
        updated_at=moment,
    )


def revised(item: Item) -> Item:
    return attrs.evolve(
        item,
        name=f"{item.name} (revised)",
        updated_at=item.updated_at + timedelta(seconds=1),
        version=item.version + 1,
    )


def adding(item: Item) -> Callable[[Session], FutureResult[Item, AppError]]:
    return lambda session: session.repository(ITEM_TABLE).add(item)


def failing_after_writes(
    existing: Item, new: Item
) -> Callable[[Session], FutureResult[Item, AppError]]:
    """Work that adds ``new``, updates ``existing``, then ends in a Failure."""

    def work(session: Session) -> FutureResult[Item, AppError]:
        items = session.repository(ITEM_TABLE)
        return (
            items.add(new)
            .bind(lambda _: items.update(revised(existing), expected_version=existing.version))
            .bind(lambda _: FutureResult.from_failure(Conflict("the work changed its mind")))
        )

    return work


def raising_after_writes(
    existing: Item, new: Item
) -> Callable[[Session], FutureResult[Item, AppError]]:
    """Work that adds ``new``, updates ``existing``, then raises."""

    def work(session: Session) -> FutureResult[Item, AppError]:
        items = session.repository(ITEM_TABLE)

        async def body() -> Result[Item, AppError]:
            assert performed(await items.add(new)) == Success(new)
            updated = await items.update(revised(existing), expected_version=existing.version)
            assert isinstance(performed(updated), Success)
            raise Boom

        return FutureResult(body())

    return work


async def run(
    unit: UnitOfWork, work: Callable[[Session], FutureResult[Item, AppError]]
) -> Result[Item, AppError]:
    return performed(await unit.atomically(lambda s: work(s).map(Emitted)))


# --- the laws, stated once for any unit of work and a way to look at its storage ---------


async def law_success_commits(unit: UnitOfWork, stored: RowsProbe) -> None:
    item = an_item()
    assert await run(unit, adding(item)) == Success(item)
    assert await stored() == {item.id: 1}


async def law_failure_rolls_back(unit: UnitOfWork, stored: RowsProbe) -> None:
    existing = an_item("Existing")
    assert await run(unit, adding(existing)) == Success(existing)
    outcome = await run(unit, failing_after_writes(existing, an_item("New")))
    assert outcome == Failure(Conflict("the work changed its mind"))
    # Neither the insert nor the update survived.
    assert await stored() == {existing.id: 1}


async def law_exception_rolls_back_and_propagates(unit: UnitOfWork, stored: RowsProbe) -> None:
    existing = an_item("Existing")
    assert await run(unit, adding(existing)) == Success(existing)
    with pytest.raises(Boom):
        await run(unit, raising_after_writes(existing, an_item("New")))
    assert await stored() == {existing.id: 1}


# --- SQL unit of work on SQLite and PostgreSQL -------------------------------------------


@pytest.fixture
def unit(database: databases.Database, database_url: str) -> SqlUnitOfWork:
    return sql_unit_of_work_on(database, database_url)


@pytest.fixture
def stored(database: databases.Database) -> RowsProbe:
    async def probe() -> dict[UUID, int]:
        rows = await database.fetch_all("SELECT id, version FROM items")
        return {UUID(str(row[0])): int(row[1]) for row in rows}

    return probe


async def test_work_that_ends_in_success_is_committed(
    unit: SqlUnitOfWork, stored: RowsProbe, database: databases.Database
) -> None:
    await law_success_commits(unit, stored)
    assert await database.fetch_val("SELECT count(*) FROM items") == 1


async def test_work_that_ends_in_failure_is_rolled_back(
    unit: SqlUnitOfWork, stored: RowsProbe
) -> None:
    await law_failure_rolls_back(unit, stored)


async def test_an_exception_inside_the_work_rolls_back_and_propagates(
    unit: SqlUnitOfWork, stored: RowsProbe
) -> None:
    await law_exception_rolls_back_and_propagates(unit, stored)


async def test_a_database_error_inside_the_work_rolls_back_earlier_writes(
    unit: SqlUnitOfWork, stored: RowsProbe
) -> None:
    existing = an_item("Existing")
    assert await run(unit, adding(existing)) == Success(existing)
    newcomer = an_item("New")

    def work(session: Session) -> FutureResult[Item, AppError]:
        items = session.repository(ITEM_TABLE)
        # The second add hits the primary key: on PostgreSQL the transaction is
        # now aborted, and the unit of work must still roll back cleanly.
        return items.add(newcomer).bind(lambda _: items.add(existing))

    outcome = await run(unit, work)
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), Conflict)
    assert await stored() == {existing.id: 1}
    # The connection went back to the pool usable: the next unit commits.
    await law_success_commits(unit, _ignoring(stored, existing))


async def test_reading_sees_rows_committed_by_earlier_units(unit: SqlUnitOfWork) -> None:
    first, second = an_item("First"), an_item("Second")
    assert await run(unit, adding(first)) == Success(first)
    assert await run(unit, adding(second)) == Success(second)

    def read(session: Session) -> FutureResult[tuple[Item, int], AppError]:
        items = session.repository(ITEM_TABLE)
        return items.get(first.id).bind(lambda item: items.count().map(lambda n: (item, n)))

    assert performed(await unit.reading(read)) == Success((first, 2))


async def test_reading_does_not_see_rolled_back_rows(unit: SqlUnitOfWork) -> None:
    existing = an_item("Existing")
    assert await run(unit, adding(existing)) == Success(existing)
    newcomer = an_item("New")
    assert isinstance(await run(unit, failing_after_writes(existing, newcomer)), Failure)

    def read(session: Session) -> FutureResult[Item, AppError]:
        return session.repository(ITEM_TABLE).get(newcomer.id)

    outcome = performed(await unit.reading(read))
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), NotFound)


def _ignoring(stored: RowsProbe, item: Item) -> RowsProbe:
    """``stored`` as if ``item`` had not been there (for reusing a law on a non-empty table)."""

    async def probe() -> dict[UUID, int]:
        rows = await stored()
        assert rows.pop(item.id) == item.version
        return rows

    return probe


@pytest.mark.postgres
async def test_an_exhausted_pool_gives_unavailable_instead_of_hanging(
    migrated_postgres: str,
) -> None:
    database = databases.Database(migrated_postgres, min_size=1, max_size=1)
    await database.connect()
    try:
        unit = sql_unit_of_work_on(database, migrated_postgres, acquire_timeout=0.2)

        def count(session: Session) -> FutureResult[int, AppError]:
            return session.repository(ITEM_TABLE).count()

        async def count_in_another_task() -> Result[int, AppError]:
            return performed(await unit.reading(count))

        # This task holds the pool's only connection; the unit runs in another task.
        async with database.connection():
            # The outer bound only keeps a regression from hanging the suite.
            outcome = await asyncio.wait_for(count_in_another_task(), timeout=10)
        assert outcome == Failure(Unavailable("database"))
        # The abandoned wait did not leak the pool's connection.
        assert isinstance(await asyncio.wait_for(count_in_another_task(), timeout=10), Success)
    finally:
        await database.disconnect()


# --- the in-memory unit of work obeys the same laws -----------------------------------


@pytest.fixture
def memory() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


def memory_rows(unit: InMemoryUnitOfWork) -> RowsProbe:
    async def probe() -> dict[UUID, int]:
        return {entity_id: item.version for entity_id, item in unit.rows(ITEM_TABLE).items()}

    return probe


async def test_in_memory_work_that_ends_in_success_is_committed(
    memory: InMemoryUnitOfWork,
) -> None:
    await law_success_commits(memory, memory_rows(memory))
    assert (memory.commits, memory.rollbacks) == (1, 0)


async def test_in_memory_work_that_ends_in_failure_is_rolled_back(
    memory: InMemoryUnitOfWork,
) -> None:
    await law_failure_rolls_back(memory, memory_rows(memory))
    assert memory.rollbacks == 1


async def test_in_memory_an_exception_inside_the_work_rolls_back_and_propagates(
    memory: InMemoryUnitOfWork,
) -> None:
    await law_exception_rolls_back_and_propagates(memory, memory_rows(memory))
    assert memory.rollbacks == 1
