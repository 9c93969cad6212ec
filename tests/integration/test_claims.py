"""A claimed row stays claimed until its unit of work ends.

Two units claim the same item; the first changes it and then holds its
transaction open. The second's claim must not answer while the first is open
(on PostgreSQL ``SELECT ... FOR UPDATE`` waits on the row; on SQLite the second
unit waits for the one write lock), and when it answers, it sees the first
unit's write: a read-check-write pipeline never acts on a stale read.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import attrs
import databases
from returns.future import FutureResult
from returns.result import Result, Success

from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.unit_of_work import Session
from tests.conftest import sql_unit_of_work_on

# Long enough that a claim which did not wait would have answered by then.
HOLD_SECONDS = 0.3


def an_item() -> Item:
    moment = utc_now()
    return Item(
        id=new_id(),
        name="Lamp",
        description=None,
        price=Decimal("3.50"),
        quantity=10,
        created_at=moment,
        updated_at=moment,
    )


async def test_a_second_claim_waits_for_the_first_unit_and_then_sees_its_write(
    database: databases.Database, database_url: str
) -> None:
    uow = sql_unit_of_work_on(database, database_url)
    item = an_item()
    assert performed(
        await uow.atomically(lambda s: s.repository(ITEM_TABLE).add(item).map(Emitted))
    ) == Success(item)
    taken = attrs.evolve(item, quantity=9, version=2)
    first_wrote, release = asyncio.Event(), asyncio.Event()

    def first(session: Session) -> FutureResult[Emitted[Item], AppError]:
        items = session.repository(ITEM_TABLE)

        async def hold(written: Item) -> Result[Emitted[Item], AppError]:
            first_wrote.set()
            await release.wait()
            return Success(Emitted(written))

        return (
            items.claim(item.id)
            .bind(lambda _: items.update(taken, expected_version=1))
            .bind(lambda written: FutureResult(hold(written)))
        )

    def second(session: Session) -> FutureResult[Emitted[Item], AppError]:
        return session.repository(ITEM_TABLE).claim(item.id).map(Emitted)

    first_unit = asyncio.create_task(performed_unit(uow.atomically(first)))
    await first_wrote.wait()
    second_unit = asyncio.create_task(performed_unit(uow.atomically(second)))
    try:
        await asyncio.sleep(HOLD_SECONDS)
        waited = not second_unit.done()
    finally:
        release.set()  # whatever happened, let the first unit end

    assert waited, "the second claim answered while the first unit was open"
    assert await first_unit == Success(taken)
    assert await second_unit == Success(taken)


async def performed_unit(outcome: FutureResult[Item, AppError]) -> Result[Item, AppError]:
    return performed(await outcome)
