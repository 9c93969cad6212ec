"""The repository contract: one suite, every adapter.

``AsyncRepository`` is a port; the in-memory adapter, the SQL adapter on
SQLite and the SQL adapter on PostgreSQL must be indistinguishable through
it. Each test runs against all three, always through a unit of work, the way
the pipelines use a repository.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.errors import AppError, Conflict, NotFound, PreconditionFailed
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.sorting import Sort
from my_api.kernel.unit_of_work import Session, UnitOfWork
from tests.conftest import Adapter

T = TypeVar("T")
Repo = AsyncRepository[Item, UUID]


@attrs.frozen
class Store:
    """One adapter under contract: run work on its item repository inside a unit of work."""

    unit_of_work: UnitOfWork
    clear: Callable[[], Awaitable[None]]

    async def run(self, work: Callable[[Repo], FutureResult[T, AppError]]) -> Result[T, AppError]:
        def on_items(session: Session) -> FutureResult[T, AppError]:
            return work(session.repository(ITEM_TABLE))

        return performed(await self.unit_of_work.atomically(lambda s: on_items(s).map(Emitted)))


@pytest.fixture
def store(adapter: Adapter) -> Store:
    return Store(adapter.unit_of_work, adapter.clear)


def an_item(name: str = "Lamp", **changes: Any) -> Item:
    moment = utc_now()  # aware UTC, microseconds: what both databases keep exactly
    item = Item(
        id=new_id(),
        name=name,
        description="A desk lamp",
        price=Decimal("12.50"),
        quantity=3,
        created_at=moment,
        updated_at=moment,
    )
    return attrs.evolve(item, **changes)


def revised(item: Item, **changes: Any) -> Item:
    """The next stored version of ``item``, as the pipelines would write it."""
    return attrs.evolve(
        item, updated_at=item.updated_at + timedelta(seconds=1), version=item.version + 1, **changes
    )


def deleted(item: Item) -> Item:
    return revised(item, deleted_at=item.updated_at + timedelta(seconds=1))


async def add(store: Store, item: Item) -> Result[Item, AppError]:
    return await store.run(lambda repo: repo.add(item))


async def update(store: Store, item: Item, expected_version: int) -> Result[Item, AppError]:
    return await store.run(lambda repo: repo.update(item, expected_version=expected_version))


async def add_all(store: Store, items: Sequence[Item]) -> None:
    for item in items:
        assert await add(store, item) == Success(item)


async def get(store: Store, entity_id: UUID) -> Result[Item, AppError]:
    return await store.run(lambda repo: repo.get(entity_id))


async def claim(
    store: Store, entity_id: UUID, *, include_deleted: bool = False
) -> Result[Item, AppError]:
    return await store.run(lambda repo: repo.claim(entity_id, include_deleted=include_deleted))


async def page(store: Store, offset: int, limit: int) -> Result[Sequence[Item], AppError]:
    return await store.run(lambda repo: repo.list(None, Sort(()), offset=offset, limit=limit))


async def count(store: Store) -> Result[int, AppError]:
    return await store.run(lambda repo: repo.count())


# --- add / get -----------------------------------------------------------------


async def test_an_added_item_is_returned_by_add_and_then_by_get(store: Store) -> None:
    item = an_item()
    assert await add(store, item) == Success(item)
    assert await get(store, item.id) == Success(item)


async def test_an_item_without_description_round_trips(store: Store) -> None:
    item = an_item(description=None, price=Decimal("100.00"), quantity=0)
    await add_all(store, [item])
    assert await get(store, item.id) == Success(item)


async def test_getting_an_unknown_id_is_not_found(store: Store) -> None:
    await add_all(store, [an_item()])
    missing = new_id()
    outcome = await get(store, missing)
    assert isinstance(outcome, Failure)
    error = outcome.failure()
    assert isinstance(error, NotFound)
    assert error.id == str(missing)


async def test_adding_the_same_id_twice_is_a_conflict_and_keeps_the_first(store: Store) -> None:
    first = an_item("First")
    await add_all(store, [first])
    second = an_item("Second", id=first.id)
    outcome = await add(store, second)
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), Conflict)
    assert await get(store, first.id) == Success(first)


async def test_the_id_of_a_soft_deleted_item_cannot_be_added_again(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    assert await update(store, deleted(item), 1) == Success(deleted(item))
    outcome = await add(store, an_item("Reborn", id=item.id))
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.failure(), Conflict)
    assert isinstance((await get(store, item.id)).failure(), NotFound)


# Any character PostgreSQL text and UTF-8 can hold: no NUL, no lone surrogates.
_storable = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_names = st.text(alphabet=_storable, min_size=1, max_size=255)
_descriptions = st.none() | st.text(alphabet=_storable, max_size=1000)
_moments = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - bounds of a strategy that adds the zone
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
_items = st.builds(
    Item,
    id=st.builds(new_id),
    name=_names,
    description=_descriptions,
    price=st.integers(min_value=1, max_value=10**12 - 1).map(lambda cents: Decimal(cents) / 100),
    quantity=st.integers(min_value=0, max_value=2**31 - 1),
    created_at=_moments,
    updated_at=_moments,
    version=st.integers(min_value=1, max_value=2**31 - 1),
)


@settings(max_examples=40)
@given(item=_items)
async def test_any_valid_item_survives_a_round_trip_unchanged(store: Store, item: Item) -> None:
    assert await add(store, item) == Success(item)
    stored = await get(store, item.id)
    assert stored == Success(item)
    # Exactly, not merely equal: same instants, same cents.
    assert stored.unwrap().price.as_tuple() == item.price.as_tuple()
    assert stored.unwrap().created_at.utcoffset() == timedelta(0)


# --- update (compare-and-set) ------------------------------------------------------


async def test_an_update_with_the_current_version_is_stored_and_returned(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    changed = revised(item, name="Brighter lamp", price=Decimal("15.00"))
    outcome = await update(store, changed, item.version)
    assert outcome == Success(changed)
    assert await get(store, item.id) == Success(changed)


async def test_successive_updates_each_name_the_version_they_replace(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    second = revised(item, quantity=4)
    third = revised(second, quantity=5)
    assert await update(store, second, 1) == Success(second)
    assert await update(store, third, 2) == Success(third)
    assert await get(store, item.id) == Success(third)


async def test_an_update_with_a_stale_version_fails_and_changes_nothing(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    current = revised(item, name="Current")
    assert await update(store, current, 1) == Success(current)
    stale = revised(item, name="Stale")  # built from version 1, which is gone
    outcome = await update(store, stale, item.version)
    assert outcome == Failure(PreconditionFailed())
    assert await get(store, item.id) == Success(current)


async def test_an_update_of_an_unknown_id_is_a_failed_precondition(store: Store) -> None:
    ghost = revised(an_item())
    outcome = await update(store, ghost, 1)
    assert outcome == Failure(PreconditionFailed())
    assert await count(store) == Success(0)


async def test_an_update_of_a_soft_deleted_item_is_a_failed_precondition(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    gone = deleted(item)
    assert await update(store, gone, 1) == Success(gone)
    # Even naming the deleted row's exact version does not bring it back.
    revived = revised(gone, deleted_at=None, name="Back again")
    outcome = await update(store, revived, gone.version)
    assert outcome == Failure(PreconditionFailed())
    assert isinstance((await get(store, item.id)).failure(), NotFound)


# --- soft deletion, page, count -------------------------------------------------


async def test_a_soft_deleted_item_is_invisible_to_get_page_and_count(store: Store) -> None:
    kept, removed = an_item("Kept"), an_item("Removed")
    await add_all(store, [kept, removed])
    assert await update(store, deleted(removed), 1) == Success(deleted(removed))
    assert isinstance((await get(store, removed.id)).failure(), NotFound)
    assert await page(store, 0, 100) == Success([kept])
    assert await count(store) == Success(1)


async def test_a_page_is_in_id_order_whatever_the_insertion_order(store: Store) -> None:
    items = [an_item(f"Item {n}") for n in range(6)]
    in_id_order = sorted(items, key=lambda item: item.id)
    await add_all(store, in_id_order[::-1])
    assert await page(store, 0, 100) == Success(in_id_order)
    assert await page(store, 1, 2) == Success(in_id_order[1:3])
    assert await page(store, 4, 10) == Success(in_id_order[4:])
    assert await page(store, 6, 10) == Success([])


async def test_count_counts_only_live_items(store: Store) -> None:
    assert await count(store) == Success(0)
    items = [an_item(f"Item {n}") for n in range(4)]
    await add_all(store, items)
    assert await count(store) == Success(4)
    assert await update(store, deleted(items[2]), 1) == Success(deleted(items[2]))
    assert await count(store) == Success(3)


@settings(max_examples=30)
@given(
    data=st.data(),
    size=st.integers(min_value=0, max_value=8),
    offset=st.integers(min_value=0, max_value=10),
    limit=st.integers(min_value=1, max_value=10),
)
async def test_a_page_is_the_slice_of_the_live_items_in_id_order(
    store: Store, data: st.DataObject, size: int, offset: int, limit: int
) -> None:
    await store.clear()
    items = [an_item(f"Item {n}") for n in range(size)]
    order = data.draw(st.permutations(items), label="insertion order")
    doomed = data.draw(st.sets(st.sampled_from(items)) if items else st.just(set()), "deleted")
    await add_all(store, order)
    for item in doomed:
        assert await update(store, deleted(item), 1) == Success(deleted(item))
    live = sorted((item for item in items if item not in doomed), key=lambda item: item.id)
    assert await page(store, offset, limit) == Success(live[offset : offset + limit])
    assert await count(store) == Success(len(live))


# --- claim (get, holding the row until the unit ends) ------------------------------------
#
# That a claimed row keeps other writers waiting is a matter of concurrency, shown on
# PostgreSQL in tests/integration/test_claims.py; here, what a claim answers.


async def test_a_claim_answers_the_live_item_as_get_does(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    assert await claim(store, item.id) == Success(item)
    assert await claim(store, item.id, include_deleted=True) == Success(item)


async def test_claiming_an_unknown_id_is_not_found_even_including_deleted(store: Store) -> None:
    missing = new_id()
    for include_deleted in (False, True):
        outcome = await claim(store, missing, include_deleted=include_deleted)
        assert outcome == Failure(NotFound(ITEM_TABLE.name, str(missing)))


async def test_a_soft_deleted_item_is_claimed_only_when_deleted_ones_are_included(
    store: Store,
) -> None:
    item = an_item()
    await add_all(store, [item])
    gone = deleted(item)
    assert await update(store, gone, 1) == Success(gone)
    assert await claim(store, item.id) == Failure(NotFound(ITEM_TABLE.name, str(item.id)))
    assert await claim(store, item.id, include_deleted=True) == Success(gone)


async def test_an_update_including_deleted_writes_a_deleted_row_that_stays_deleted(
    store: Store,
) -> None:
    item = an_item()
    await add_all(store, [item])
    gone = deleted(item)
    assert await update(store, gone, 1) == Success(gone)
    restocked = revised(gone, quantity=10)

    written = await store.run(
        lambda repo: repo.update(restocked, expected_version=gone.version, include_deleted=True)
    )

    assert written == Success(restocked)
    assert await claim(store, item.id, include_deleted=True) == Success(restocked)
    assert isinstance((await get(store, item.id)).failure(), NotFound)
    assert await count(store) == Success(0)


async def test_an_update_including_deleted_is_still_a_compare_and_set(store: Store) -> None:
    item = an_item()
    await add_all(store, [item])
    stale = revised(item, quantity=10)
    assert await update(store, revised(item, quantity=4), 1) == Success(revised(item, quantity=4))

    outcome = await store.run(
        lambda repo: repo.update(stale, expected_version=1, include_deleted=True)
    )

    assert outcome == Failure(PreconditionFailed())
    assert await get(store, item.id) == Success(revised(item, quantity=4))
