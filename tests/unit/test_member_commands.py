"""Running member commands (``application/member_commands.py``) through the command bus,
on the in-memory unit of work.

Time and identity are injected, so every stamp below is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from returns.future import FutureResult
from returns.result import Failure, Success

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.items import ITEM_TABLE, ITEMS
from my_api.application.use_cases import CrudUseCases
from my_api.domain.item import Item
from my_api.kernel.bus import Writing
from my_api.kernel.clock import new_id
from my_api.kernel.errors import (
    AppError,
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.member_command import MemberCommand, NoInput
from my_api.kernel.preconditions import Expectation

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
NOW = CREATED + timedelta(hours=1)
LAMP_ID = UUID("0190a8f4-0000-7000-8000-000000000001")
DESK_ID = UUID("0190a8f4-0000-7000-8000-000000000002")


def an_item(entity_id: UUID = LAMP_ID, quantity: int = 3) -> Item:
    return Item(
        id=entity_id,
        name="Lamp",
        description=None,
        price=Decimal("12.50"),
        quantity=quantity,
        created_at=CREATED,
        updated_at=CREATED,
    )


EVENT_ID = UUID("0190a8f4-0000-7000-8000-0000000000ee")
Items = CrudUseCases[Item, NoInput]


def seeded(act: MemberCommand[Item, NoInput], *items: Item) -> tuple[InMemoryUnitOfWork, Items]:
    """Items served with the one member command ``act``, through buses of their own."""
    uow = InMemoryUnitOfWork()
    for item in items:
        uow.rows(ITEM_TABLE)[item.id] = item
    served = attrs.evolve(ITEMS, commands=(act,))
    return uow, CrudUseCases.on(served, uow, lambda: NOW, lambda: EVENT_ID)


def command(step_result: Item | AppError) -> tuple[MemberCommand[Item, NoInput], list[Item]]:
    """A command whose step answers ``step_result``; the list records what it was given."""
    seen: list[Item] = []

    def step(_: Writing, item: Item, _dto: NoInput) -> FutureResult[Emitted[Item], AppError]:
        seen.append(item)
        if isinstance(step_result, Item):
            return FutureResult.from_value(Emitted(step_result))
        return FutureResult.from_failure(step_result)

    return MemberCommand("act", NoInput, step, event="acted"), seen


async def test_the_step_result_is_stored_with_version_plus_one_and_the_unit_time() -> None:
    act, seen = command(attrs.evolve(an_item(), quantity=0))
    uow, items = seeded(act, an_item())

    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.one_of(1)))

    expected = attrs.evolve(an_item(), quantity=0, version=2, updated_at=NOW)
    assert outcome == Success(expected)
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == expected
    assert seen == [an_item()]
    assert uow.commits == 1
    assert uow.outbox == [ITEMS.event("acted", expected, event_id=EVENT_ID, now=NOW)]


async def test_a_step_cannot_change_the_bookkeeping_it_does_not_own() -> None:
    elsewhere = attrs.evolve(
        an_item(), id=DESK_ID, created_at=NOW, deleted_at=NOW, version=40, quantity=0
    )
    act, _ = command(elsewhere)
    uow, items = seeded(act, an_item())

    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.none()))

    expected = attrs.evolve(an_item(), quantity=0, version=2, updated_at=NOW)
    assert outcome == Success(expected)
    assert uow.rows(ITEM_TABLE) == {LAMP_ID: expected}


async def test_a_stale_if_match_is_412_before_the_step_runs() -> None:
    act, seen = command(an_item(quantity=0))
    uow, items = seeded(act, an_item())

    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.one_of(7)))

    assert outcome == Failure(PreconditionFailed())
    assert seen == []
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == an_item()
    assert uow.outbox == []


async def test_a_required_if_match_that_is_missing_is_428_before_the_step_runs() -> None:
    act, seen = command(an_item(quantity=0))
    _, items = seeded(act, an_item())

    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.none(required=True)))

    assert outcome == Failure(PreconditionRequired())
    assert seen == []


async def test_an_unknown_id_is_not_found() -> None:
    act, seen = command(an_item())
    _, items = seeded(act)

    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.none()))

    assert outcome == Failure(NotFound("items", str(LAMP_ID)))
    assert seen == []


async def test_a_failing_step_rolls_back_what_it_wrote_elsewhere_in_the_session() -> None:
    def restock_desk_then_refuse(
        writing: Writing, _item: Item, _dto: NoInput
    ) -> FutureResult[Emitted[Item], AppError]:
        desk = attrs.evolve(an_item(DESK_ID), quantity=99, version=2)
        return (
            writing.session.repository(ITEM_TABLE)
            .update(desk, expected_version=1)
            .bind(lambda _: FutureResult.from_failure(Conflict("not today")))
        )

    act = MemberCommand("act", NoInput, restock_desk_then_refuse, event="acted")
    uow, items = seeded(act, an_item(), an_item(DESK_ID))
    outcome = performed(await items.run("act", LAMP_ID, NoInput(), Expectation.none()))

    assert outcome == Failure(Conflict("not today"))
    assert uow.rows(ITEM_TABLE)[DESK_ID] == an_item(DESK_ID)
    assert uow.rollbacks == 1
    assert uow.outbox == []


@pytest.mark.parametrize(
    ("expectation", "error"),
    [
        (Expectation.one_of(1), PreconditionFailed()),
        (
            Expectation.none(),
            Conflict("The resource was modified concurrently; fetch it and retry."),
        ),
    ],
)
async def test_a_write_that_lands_between_read_and_store_loses_the_race(
    expectation: Expectation, error: AppError
) -> None:
    """The step itself writes the entity, as a concurrent writer would have."""

    def overtaken(
        writing: Writing, item: Item, _dto: NoInput
    ) -> FutureResult[Emitted[Item], AppError]:
        meanwhile = attrs.evolve(item, quantity=1, version=2)
        return (
            writing.session.repository(ITEM_TABLE)
            .update(meanwhile, expected_version=1)
            .map(lambda _: Emitted(attrs.evolve(item, quantity=0)))
        )

    act = MemberCommand("act", NoInput, overtaken, event="acted")
    uow, items = seeded(act, an_item())
    outcome = performed(await items.run("act", LAMP_ID, NoInput(), expectation))

    assert outcome == Failure(error)
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == an_item()


@pytest.mark.parametrize("name", ["", "Cancel", "cancel/now", "{id}", "-cancel", "a" * 64])
def test_a_command_name_must_be_one_lower_case_path_segment(name: str) -> None:
    act, _ = command(an_item())

    with pytest.raises(ValueError, match="must match regex"):
        attrs.evolve(act, name=name)


def test_a_resource_declaring_one_command_name_twice_is_refused() -> None:
    act, _ = command(an_item())

    with pytest.raises(ValueError, match="declared twice"):
        CrudUseCases.on(
            attrs.evolve(ITEMS, commands=(act, act)), InMemoryUnitOfWork(), lambda: NOW, new_id
        )


async def test_a_command_the_resource_does_not_declare_is_not_found() -> None:
    act, seen = command(an_item())
    _, items = seeded(act, an_item())

    outcome = performed(await items.run("refund", LAMP_ID, NoInput(), Expectation.none()))

    assert outcome == Failure(NotFound("items commands", "refund"))
    assert seen == []
