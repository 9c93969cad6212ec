"""The CRUD pipelines of ``shared/crud.py`` against the in-memory unit of work.

Time and identity are injected, so every timestamp and id below is exact.
Wrappers around the in-memory adapter record repository calls and can let a
"concurrent writer" commit between a pipeline's read and its write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
import pytest
from returns.future import FutureResult
from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Result

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.items import ITEM_TABLE, ITEMS, ItemInput
from my_api.application.use_cases import CrudUseCases
from my_api.domain.item import Item
from my_api.kernel.errors import (
    AppError,
    Conflict,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import ListQuery
from my_api.kernel.pagination import Page, PageRequest
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session, UnitOfWork

E = TypeVar("E")
T = TypeVar("T")

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
LAMP = ItemInput(name="Lamp", description="A desk lamp", price=Decimal("12.50"), quantity=3)

Items = CrudUseCases[Item, ItemInput]


class ManualClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> datetime:
        self.now += timedelta(seconds=1, microseconds=1)
        return self.now


class SequentialIds:
    def __init__(self) -> None:
        self.issued: list[UUID] = []

    def __call__(self) -> UUID:
        self.issued.append(UUID(int=len(self.issued) + 1))
        return self.issued[-1]


class _SpyRepository(Generic[E]):
    """Delegates to the real in-memory repository, logging each call; after
    every ``get`` it runs ``after_get``, which may play a concurrent writer."""

    def __init__(
        self,
        inner: AsyncRepository[E, UUID],
        calls: list[str],
        after_get: Callable[[UUID], None],
    ) -> None:
        self._inner = inner
        self._calls = calls
        self._after_get = after_get

    def get(self, entity_id: UUID) -> FutureResult[E, AppError]:
        self._calls.append("get")
        return FutureResult(self._read_then_interleave(entity_id))

    async def _read_then_interleave(self, entity_id: UUID) -> Result[E, AppError]:
        outcome = performed(await self._inner.get(entity_id))
        self._after_get(entity_id)
        return outcome

    def claim(self, entity_id: UUID, *, include_deleted: bool = False) -> FutureResult[E, AppError]:
        self._calls.append("claim")
        return self._inner.claim(entity_id, include_deleted=include_deleted)

    def add(self, entity: E) -> FutureResult[E, AppError]:
        self._calls.append("add")
        return self._inner.add(entity)

    def update(
        self, entity: E, *, expected_version: int, include_deleted: bool = False
    ) -> FutureResult[E, AppError]:
        self._calls.append("update")
        return self._inner.update(
            entity, expected_version=expected_version, include_deleted=include_deleted
        )

    def list(
        self,
        spec: Specification | None,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        keyset: Keyset | None = None,
    ) -> FutureResult[Sequence[E], AppError]:
        self._calls.append("list")
        return self._inner.list(spec, sort, limit=limit, offset=offset, keyset=keyset)

    def count(self, spec: Specification | None = None) -> FutureResult[int, AppError]:
        self._calls.append("count")
        return self._inner.count(spec)


class _SpySession:
    def __init__(self, inner: Session, calls: list[str], after_get: Callable[[UUID], None]) -> None:
        self._inner = inner
        self._calls = calls
        self._after_get = after_get

    def repository(self, table: EntityTable[E]) -> AsyncRepository[E, UUID]:
        return _SpyRepository(self._inner.repository(table), self._calls, self._after_get)


def _nothing(_: UUID) -> None:
    return None


class SpyUnitOfWork:
    """The in-memory unit of work (real snapshot rollback), seen through spies."""

    def __init__(
        self, inner: InMemoryUnitOfWork, after_get: Callable[[UUID], None] = _nothing
    ) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self._after_get = after_get

    def atomically(
        self, work: Callable[[Session], FutureResult[Emitted[T], AppError]]
    ) -> FutureResult[T, AppError]:
        return self.inner.atomically(
            lambda session: work(_SpySession(session, self.calls, self._after_get))
        )

    def reading(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]:
        return self.inner.reading(
            lambda session: work(_SpySession(session, self.calls, self._after_get))
        )

    def snapshot(
        self, work: Callable[[Session], FutureResult[T, AppError]]
    ) -> FutureResult[T, AppError]:
        return self.inner.snapshot(
            lambda session: work(_SpySession(session, self.calls, self._after_get))
        )


async def offset_page(items: Items, request: PageRequest) -> Page[Item]:
    listing = performed(await items.list(ListQuery(None, Sort(()), request))).unwrap()
    assert isinstance(listing, Page)
    return listing


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def memory() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


@pytest.fixture
def spy(memory: InMemoryUnitOfWork) -> SpyUnitOfWork:
    return SpyUnitOfWork(memory)


def _cases(uow: UnitOfWork, clock: ManualClock, ids: SequentialIds) -> Items:
    return CrudUseCases.on(ITEMS, uow, clock, ids)


@pytest.fixture
def items(spy: SpyUnitOfWork, clock: ManualClock, ids: SequentialIds) -> Items:
    return _cases(spy, clock, ids)


@pytest.fixture
async def lamp(items: Items, clock: ManualClock, spy: SpyUnitOfWork) -> Item:
    """A stored item at version 1; the clock has moved on since it was created."""
    created = performed(await items.create(LAMP)).unwrap()
    clock.advance()
    spy.calls.clear()
    return created


def _stored(memory: InMemoryUnitOfWork, entity_id: UUID) -> Item:
    rows: dict[UUID, Item] = memory.rows(ITEM_TABLE)
    return rows[entity_id]


def _failure(outcome: IOResult[Any, AppError]) -> AppError:
    result = performed(outcome)
    assert isinstance(result, Failure), result
    error: AppError = result.failure()
    return error


def _fields_and_codes(error: AppError) -> list[tuple[str, str]]:
    assert isinstance(error, InvalidInput), error
    return [(e.field, e.code) for e in error.errors]


def _replacement(**changes: Any) -> ItemInput:
    fields: dict[str, Any] = {
        "name": LAMP.name,
        "description": LAMP.description,
        "price": LAMP.price,
        "quantity": LAMP.quantity,
    }
    return ItemInput(**{**fields, **changes})


# -- create and read -------------------------------------------------------------------


async def test_create_assigns_the_next_id_the_clock_time_and_version_1(
    items: Items, ids: SequentialIds
) -> None:
    created = performed(await items.create(LAMP)).unwrap()

    assert created == Item(
        id=ids.issued[0],
        name="Lamp",
        description="A desk lamp",
        price=Decimal("12.50"),
        quantity=3,
        created_at=T0,
        updated_at=T0,
        version=1,
        deleted_at=None,
    )


async def test_create_stores_the_entity_and_commits_once(
    items: Items, memory: InMemoryUnitOfWork
) -> None:
    created = performed(await items.create(LAMP)).unwrap()

    assert _stored(memory, created.id) == created
    assert (memory.commits, memory.rollbacks) == (1, 0)


async def test_a_created_item_can_be_read_back(items: Items, lamp: Item) -> None:
    assert await items.get(lamp.id) == IOSuccess(lamp)


async def test_reading_an_unknown_id_is_not_found(items: Items) -> None:
    missing = UUID(int=999)

    assert await items.get(missing) == IOFailure(NotFound("items", str(missing)))


async def test_creating_with_an_id_already_taken_is_a_conflict_and_rolls_back(
    memory: InMemoryUnitOfWork, clock: ManualClock
) -> None:
    def same_id() -> UUID:
        return UUID(int=7)

    items: Items = CrudUseCases.on(ITEMS, memory, clock, same_id)
    first = performed(await items.create(LAMP)).unwrap()

    error = _failure(await items.create(attrs.evolve(LAMP, name="Other")))

    assert isinstance(error, Conflict)
    assert _stored(memory, first.id) == first
    assert memory.rollbacks == 1


async def test_listing_counts_live_items_and_pages_them_in_id_order(items: Items) -> None:
    created = [
        performed(await items.create(attrs.evolve(LAMP, quantity=n))).unwrap() for n in range(5)
    ]
    await items.delete(created[0].id, Expectation.none())

    page = await offset_page(items, PageRequest(page=2, size=2))

    assert page.total == 4
    assert list(page.items) == created[3:5]
    assert (page.pages, page.has_next, page.has_previous) == (2, False, True)


# -- replace -------------------------------------------------------------------------


async def test_replace_with_new_values_bumps_version_and_updated_at_only(
    items: Items, lamp: Item, clock: ManualClock, memory: InMemoryUnitOfWork
) -> None:
    dto = _replacement(name="Floor lamp", description=None, price=Decimal("99.99"), quantity=0)

    replaced = performed(await items.replace(lamp.id, dto, Expectation.none())).unwrap()

    assert replaced == attrs.evolve(
        lamp,
        name="Floor lamp",
        description=None,
        price=Decimal("99.99"),
        quantity=0,
        updated_at=clock.now,
        version=2,
    )
    assert replaced.created_at == lamp.created_at
    assert _stored(memory, lamp.id) == replaced


async def test_replace_with_identical_values_writes_nothing(
    items: Items, lamp: Item, spy: SpyUnitOfWork, memory: InMemoryUnitOfWork
) -> None:
    same = _replacement(price=Decimal("12.5"))

    outcome = await items.replace(lamp.id, same, Expectation.none())

    assert outcome == IOSuccess(lamp)
    assert _stored(memory, lamp.id) == lamp
    assert "update" not in spy.calls


async def test_replace_of_an_unknown_id_is_not_found(items: Items) -> None:
    missing = UUID(int=999)

    outcome = await items.replace(missing, _replacement(), Expectation.one_of(1))

    assert outcome == IOFailure(NotFound("items", str(missing)))


# -- patch ---------------------------------------------------------------------------


async def test_patch_changes_the_given_fields_and_keeps_the_rest(
    items: Items, lamp: Item, clock: ManualClock
) -> None:
    outcome = await items.patch(lamp.id, {"price": "7.5", "quantity": 9}, Expectation.none())

    assert outcome == IOSuccess(
        attrs.evolve(lamp, price=Decimal("7.50"), quantity=9, updated_at=clock.now, version=2)
    )


async def test_patch_null_clears_the_nullable_description(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork
) -> None:
    patched = performed(await items.patch(lamp.id, {"description": None}, Expectation.none()))

    assert patched.unwrap().description is None
    assert patched.unwrap().version == 2
    assert _stored(memory, lamp.id).description is None


@pytest.mark.parametrize("field", ["name", "price", "quantity"])
async def test_patch_null_on_a_required_field_is_invalid_input_and_writes_nothing(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork, spy: SpyUnitOfWork, field: str
) -> None:
    error = _failure(await items.patch(lamp.id, {field: None}, Expectation.none()))

    assert _fields_and_codes(error) == [(field, "required")]
    assert _stored(memory, lamp.id) == lamp
    assert "update" not in spy.calls


@pytest.mark.parametrize("field", ["bogus", "id", "version", "created_at", "deleted_at"])
async def test_patch_of_an_unknown_or_server_owned_field_is_invalid_input(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork, field: str
) -> None:
    error = _failure(await items.patch(lamp.id, {field: "x"}, Expectation.none()))

    assert _fields_and_codes(error) == [(field, "unknown_field")]
    assert _stored(memory, lamp.id) == lamp


async def test_patch_of_an_unknown_field_set_to_null_is_invalid_input(
    items: Items, lamp: Item
) -> None:
    error = _failure(await items.patch(lamp.id, {"bogus": None}, Expectation.none()))

    assert _fields_and_codes(error) == [("bogus", "unknown_field")]


async def test_patch_with_a_bad_value_reports_the_field_and_its_rule(
    items: Items, lamp: Item
) -> None:
    error = _failure(await items.patch(lamp.id, {"name": "", "price": "0.001"}, Expectation.none()))

    assert _fields_and_codes(error) == [("name", "too_short"), ("price", "too_precise")]


async def test_an_empty_patch_returns_the_current_entity_and_writes_nothing(
    items: Items, lamp: Item, spy: SpyUnitOfWork, memory: InMemoryUnitOfWork
) -> None:
    outcome = await items.patch(lamp.id, {}, Expectation.one_of(1))

    assert outcome == IOSuccess(lamp)
    assert spy.calls == ["get"]
    assert _stored(memory, lamp.id) == lamp


async def test_a_patch_restating_current_values_writes_nothing(
    items: Items, lamp: Item, spy: SpyUnitOfWork
) -> None:
    outcome = await items.patch(
        lamp.id, {"name": "Lamp", "price": Decimal("12.5"), "quantity": 3}, Expectation.none()
    )

    assert outcome == IOSuccess(lamp)
    assert "update" not in spy.calls


# -- delete --------------------------------------------------------------------------


async def test_delete_is_soft_the_row_stays_marked_and_its_version_bumped(
    items: Items, lamp: Item, clock: ManualClock, memory: InMemoryUnitOfWork
) -> None:
    outcome = await items.delete(lamp.id, Expectation.none())

    assert outcome == IOSuccess(None)
    assert _stored(memory, lamp.id) == attrs.evolve(
        lamp, deleted_at=clock.now, updated_at=clock.now, version=2
    )


async def test_a_deleted_item_is_not_found_by_any_operation(items: Items, lamp: Item) -> None:
    await items.delete(lamp.id, Expectation.none())
    gone = IOFailure(NotFound("items", str(lamp.id)))

    assert await items.get(lamp.id) == gone
    assert await items.delete(lamp.id, Expectation.none()) == gone
    assert await items.patch(lamp.id, {"quantity": 1}, Expectation.none()) == gone
    assert await items.replace(lamp.id, _replacement(), Expectation.any_version()) == gone
    assert (await offset_page(items, PageRequest())).total == 0


# -- If-Match --------------------------------------------------------------------------

Write = Callable[[Items, UUID, Expectation], FutureResult[Any, AppError]]

WRITES: dict[str, Write] = {
    "replace": lambda items, id_, expect: items.replace(id_, _replacement(quantity=42), expect),
    "patch": lambda items, id_, expect: items.patch(id_, {"quantity": 42}, expect),
    "delete": lambda items, id_, expect: items.delete(id_, expect),
}
writes = pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())


@writes
@pytest.mark.parametrize(
    "expectation",
    [
        Expectation.one_of(1),
        Expectation.one_of(7, 1),
        Expectation.any_version(),
        Expectation.none(),
    ],
    ids=["current", "one-of-several", "any", "absent"],
)
async def test_a_write_whose_if_match_holds_succeeds_and_bumps_the_version(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork, write: Write, expectation: Expectation
) -> None:
    result = performed(await write(items, lamp.id, expectation))

    assert not isinstance(result, Failure), result
    assert memory.rows(ITEM_TABLE)[lamp.id].version == 2


@writes
@pytest.mark.parametrize(
    "expectation",
    [Expectation.one_of(2), Expectation.one_of(0, 3), Expectation.one_of()],
    ids=["stale", "all-stale", "no-usable-tag"],
)
async def test_a_write_with_a_stale_if_match_is_precondition_failed_and_writes_nothing(
    items: Items,
    lamp: Item,
    memory: InMemoryUnitOfWork,
    spy: SpyUnitOfWork,
    write: Write,
    expectation: Expectation,
) -> None:
    error = _failure(await write(items, lamp.id, expectation))

    assert error == PreconditionFailed()
    assert _stored(memory, lamp.id) == lamp
    assert "update" not in spy.calls


@writes
async def test_a_write_without_a_required_if_match_is_refused_before_any_io(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork, spy: SpyUnitOfWork, write: Write
) -> None:
    error = _failure(await write(items, lamp.id, Expectation.none(required=True)))

    assert error == PreconditionRequired()
    assert spy.calls == []
    assert _stored(memory, lamp.id) == lamp


@writes
async def test_a_required_if_match_is_demanded_even_for_an_unknown_id(
    items: Items, spy: SpyUnitOfWork, write: Write
) -> None:
    error = _failure(await write(items, UUID(int=999), Expectation.none(required=True)))

    assert error == PreconditionRequired()
    assert spy.calls == []


# -- lost compare-and-set races --------------------------------------------------------


def _concurrent_writer(memory: InMemoryUnitOfWork) -> Callable[[UUID], None]:
    """Another client's committed write, landing between our read and our write."""

    def write(entity_id: UUID) -> None:
        rows: dict[UUID, Item] = memory.rows(ITEM_TABLE)
        theirs = rows[entity_id]
        rows[entity_id] = attrs.evolve(
            theirs, name="Written concurrently", version=theirs.version + 1
        )

    return write


@pytest.fixture
def raced(memory: InMemoryUnitOfWork, clock: ManualClock, ids: SequentialIds) -> Items:
    return _cases(SpyUnitOfWork(memory, after_get=_concurrent_writer(memory)), clock, ids)


@writes
async def test_losing_a_race_with_if_match_sent_is_precondition_failed(
    raced: Items, lamp: Item, memory: InMemoryUnitOfWork, write: Write
) -> None:
    error = _failure(await write(raced, lamp.id, Expectation.one_of(lamp.version)))

    assert error == PreconditionFailed()
    assert memory.rollbacks == 1
    assert _stored(memory, lamp.id) == lamp


@writes
async def test_losing_a_race_without_if_match_is_a_conflict_to_retry(
    raced: Items, lamp: Item, memory: InMemoryUnitOfWork, write: Write
) -> None:
    error = _failure(await write(raced, lamp.id, Expectation.none()))

    assert isinstance(error, Conflict)
    assert memory.rollbacks == 1
    assert _stored(memory, lamp.id) == lamp


async def test_a_no_op_patch_cannot_lose_a_race_because_it_writes_nothing(
    raced: Items, lamp: Item
) -> None:
    outcome = await raced.patch(lamp.id, {}, Expectation.none())

    assert outcome == IOSuccess(lamp)


# -- domain events: one per committed change, none for a write that writes nothing ---------


def _kinds(memory: InMemoryUnitOfWork) -> list[tuple[str, UUID, int]]:
    return [(e.type, e.aggregate_id, e.aggregate_version) for e in memory.outbox]


async def test_create_records_item_created_carrying_the_item_as_shown(
    items: Items, memory: InMemoryUnitOfWork, ids: SequentialIds
) -> None:
    created = performed(await items.create(LAMP)).unwrap()

    (event,) = memory.outbox
    assert event == ITEMS.event("created", created, event_id=ids.issued[1], now=T0)
    assert event.data == ITEMS.view(created)
    assert event.collection == "items"


async def test_each_write_records_one_event_with_the_version_it_wrote(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork
) -> None:
    await items.replace(lamp.id, _replacement(quantity=9), Expectation.none())
    await items.patch(lamp.id, {"name": "Desk lamp"}, Expectation.none())
    await items.delete(lamp.id, Expectation.none())

    assert _kinds(memory) == [
        ("item.created", lamp.id, 1),
        ("item.updated", lamp.id, 2),
        ("item.updated", lamp.id, 3),
        ("item.deleted", lamp.id, 4),
    ]
    # The deletion's event shows the item as it was when deleted, at its final version.
    assert memory.outbox[-1].data["version"] == 4
    assert memory.outbox[-1].data["name"] == "Desk lamp"


async def test_a_write_that_changes_nothing_records_nothing(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork
) -> None:
    await items.patch(lamp.id, {"name": lamp.name}, Expectation.none())
    await items.replace(lamp.id, _replacement(), Expectation.none())

    assert _kinds(memory) == [("item.created", lamp.id, 1)]


async def test_a_write_that_fails_records_nothing(
    items: Items, lamp: Item, memory: InMemoryUnitOfWork
) -> None:
    await items.patch(lamp.id, {"price": "-1"}, Expectation.none())
    await items.delete(lamp.id, Expectation.one_of(7))
    await items.replace(UUID(int=999), _replacement(), Expectation.none())

    assert _kinds(memory) == [("item.created", lamp.id, 1)]
