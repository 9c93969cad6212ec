"""Laws of the row boundary: an entity stored in a real database comes back equal.

Runs on SQLite and PostgreSQL through the production unit of work, so the
dialect's encoders and decoders, the column types and the CHECK constraints
are all in the loop.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import attrs
import databases
import pytest
from hypothesis import given, settings
from returns.io import IOSuccess
from returns.result import Success

from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from tests.conftest import sql_unit_of_work_on
from tests.strategies import MAX_INT32, items


@pytest.fixture
def uow(database: databases.Database, database_url: str) -> SqlUnitOfWork:
    return sql_unit_of_work_on(database, database_url)


async def _stored(uow: SqlUnitOfWork, entity_id: UUID) -> Item:
    return performed(await uow.reading(lambda s: s.repository(ITEM_TABLE).get(entity_id))).unwrap()


@settings(max_examples=40)
@given(entity=items())
async def test_an_added_item_is_read_back_equal(
    uow: SqlUnitOfWork, database: databases.Database, entity: Item
) -> None:
    await database.execute("DELETE FROM items")

    added = await uow.atomically(lambda s: s.repository(ITEM_TABLE).add(entity).map(Emitted))
    stored = await _stored(uow, entity.id)

    assert added == IOSuccess(entity)
    assert stored == entity
    # A uuid.UUID (on PostgreSQL asyncpg's own subclass, equal and with the same text).
    assert isinstance(stored.id, UUID)
    assert str(stored.id) == str(entity.id)
    assert type(stored.price) is Decimal
    assert stored.price.as_tuple().exponent == -2
    assert stored.created_at.utcoffset() == entity.created_at.utcoffset()


@settings(max_examples=25)
@given(before=items(), after=items())
async def test_an_update_writes_every_attribute_and_is_read_back_equal(
    uow: SqlUnitOfWork, database: databases.Database, before: Item, after: Item
) -> None:
    await database.execute("DELETE FROM items")
    # Room for one more version in the 32-bit column.
    before = attrs.evolve(before, version=min(before.version, MAX_INT32 - 1))
    await uow.atomically(lambda s: s.repository(ITEM_TABLE).add(before).map(Emitted))
    # The new state keeps the identity and the creation time, as a real write does.
    successor = attrs.evolve(
        after, id=before.id, created_at=before.created_at, version=before.version + 1
    )

    updated = await uow.atomically(
        lambda s: (
            s.repository(ITEM_TABLE).update(successor, expected_version=before.version).map(Emitted)
        )
    )

    assert performed(updated) == Success(successor)
    assert await _stored(uow, before.id) == successor
