"""All reads inside ``snapshot(work)`` see one snapshot, whatever commits meanwhile.

That is what lets a page and its total agree under concurrent writes. The
law is checked on every adapter of the unit-of-work port (in memory, SQLite,
PostgreSQL): between two reads inside the snapshot, the work itself awaits a
write committed by another unit of work, run in its own task (so, on the SQL
adapter, on its own connection). The reads before and after it must agree;
a fresh read afterwards must see the write, so the law is not met by a write
that never happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from decimal import Decimal
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.result import Result, Success

from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.sorting import Sort
from my_api.kernel.unit_of_work import Session, UnitOfWork
from tests.conftest import Adapter

PAGE = 50


def an_item(name: str) -> Item:
    moment = utc_now()
    return Item(
        id=new_id(),
        name=name,
        description=None,
        price=Decimal("3.50"),
        quantity=2,
        created_at=moment,
        updated_at=moment,
    )


@attrs.frozen
class Seen:
    """What the reads inside one snapshot saw, in the order they ran."""

    total_before: int
    page_after: tuple[UUID, ...]
    total_after: int


def adding(item: Item) -> Callable[[Session], FutureResult[Item, AppError]]:
    return lambda session: session.repository(ITEM_TABLE).add(item)


async def add_elsewhere(unit: UnitOfWork, item: Item) -> Result[Item, AppError]:
    """Commit ``item`` from another unit of work, in a task of its own."""

    async def write() -> Result[Item, AppError]:
        return performed(await unit.atomically(lambda s: adding(item)(s).map(Emitted)))

    return await asyncio.create_task(write())


def reading_around_a_write(
    unit: UnitOfWork, item: Item
) -> Callable[[Session], FutureResult[Seen, AppError]]:
    """Work that counts, waits for ``item`` to be committed elsewhere, then lists and counts."""

    def work(session: Session) -> FutureResult[Seen, AppError]:
        items = session.repository(ITEM_TABLE)

        async def reads() -> Result[Seen, AppError]:
            total_before = performed(await items.count()).unwrap()
            assert await add_elsewhere(unit, item) == Success(item)
            page = performed(await items.list(None, Sort(()), limit=PAGE)).unwrap()
            total_after = performed(await items.count()).unwrap()
            return Success(Seen(total_before, ids(page), total_after))

        return FutureResult(reads())

    return work


def ids(items: Sequence[Item]) -> tuple[UUID, ...]:
    return tuple(item.id for item in items)


async def listed_now(unit: UnitOfWork) -> tuple[UUID, ...]:
    def work(session: Session) -> FutureResult[tuple[UUID, ...], AppError]:
        return session.repository(ITEM_TABLE).list(None, Sort(()), limit=PAGE).map(ids)

    return performed(await unit.reading(work)).unwrap()


async def test_reads_in_a_snapshot_do_not_see_a_write_committed_between_them(
    adapter: Adapter,
) -> None:
    unit = adapter.unit_of_work
    first = an_item("Before the snapshot")
    assert performed(await unit.atomically(lambda s: adding(first)(s).map(Emitted))) == Success(
        first
    )
    meanwhile = an_item("Committed during the snapshot")

    seen = performed(await unit.snapshot(reading_around_a_write(unit, meanwhile))).unwrap()

    assert seen == Seen(total_before=1, page_after=(first.id,), total_after=1)
    assert set(await listed_now(unit)) == {first.id, meanwhile.id}
