"""Running member commands (``application/member_commands.py``) on the in-memory unit of work.

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

from my_api.adapters.http.crud_router import GenericCRUDRouter
from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.crud import CrudUseCases
from my_api.application.items import ITEM_TABLE, ITEMS
from my_api.application.member_commands import MemberCommands
from my_api.domain.item import Item
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import (
    AppError,
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from my_api.kernel.io_edge import performed
from my_api.kernel.member_command import MemberCommand, NoInput
from my_api.kernel.preconditions import Expectation
from my_api.kernel.unit_of_work import Session

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


def seeded(*items: Item) -> tuple[InMemoryUnitOfWork, MemberCommands[Item]]:
    uow = InMemoryUnitOfWork()
    for item in items:
        uow.rows(ITEM_TABLE)[item.id] = item
    return uow, MemberCommands(ITEM_TABLE, uow, lambda: NOW)


def command(step_result: Item | AppError) -> tuple[MemberCommand[Item, NoInput], list[Item]]:
    """A command whose step answers ``step_result``; the list records what it was given."""
    seen: list[Item] = []

    def step(_: Session, item: Item, _dto: NoInput, _now: datetime) -> FutureResult[Item, AppError]:
        seen.append(item)
        if isinstance(step_result, Item):
            return FutureResult.from_value(step_result)
        return FutureResult.from_failure(step_result)

    return MemberCommand("act", NoInput, step), seen


async def test_the_step_result_is_stored_with_version_plus_one_and_the_unit_time() -> None:
    uow, commands = seeded(an_item())
    act, seen = command(attrs.evolve(an_item(), quantity=0))

    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), Expectation.one_of(1)))

    expected = attrs.evolve(an_item(), quantity=0, version=2, updated_at=NOW)
    assert outcome == Success(expected)
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == expected
    assert seen == [an_item()]
    assert uow.commits == 1


async def test_a_step_cannot_change_the_bookkeeping_it_does_not_own() -> None:
    uow, commands = seeded(an_item())
    elsewhere = attrs.evolve(
        an_item(), id=DESK_ID, created_at=NOW, deleted_at=NOW, version=40, quantity=0
    )
    act, _ = command(elsewhere)

    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), Expectation.none()))

    expected = attrs.evolve(an_item(), quantity=0, version=2, updated_at=NOW)
    assert outcome == Success(expected)
    assert uow.rows(ITEM_TABLE) == {LAMP_ID: expected}


async def test_a_stale_if_match_is_412_before_the_step_runs() -> None:
    uow, commands = seeded(an_item())
    act, seen = command(an_item(quantity=0))

    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), Expectation.one_of(7)))

    assert outcome == Failure(PreconditionFailed())
    assert seen == []
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == an_item()


async def test_a_required_if_match_that_is_missing_is_428_before_the_step_runs() -> None:
    _, commands = seeded(an_item())
    act, seen = command(an_item(quantity=0))

    outcome = performed(
        await commands.run(act, LAMP_ID, NoInput(), Expectation.none(required=True))
    )

    assert outcome == Failure(PreconditionRequired())
    assert seen == []


async def test_an_unknown_id_is_not_found() -> None:
    _, commands = seeded()
    act, seen = command(an_item())

    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), Expectation.none()))

    assert outcome == Failure(NotFound("items", str(LAMP_ID)))
    assert seen == []


async def test_a_failing_step_rolls_back_what_it_wrote_elsewhere_in_the_session() -> None:
    uow, commands = seeded(an_item(), an_item(DESK_ID))

    def restock_desk_then_refuse(
        session: Session, _item: Item, _dto: NoInput, _now: datetime
    ) -> FutureResult[Item, AppError]:
        desk = attrs.evolve(an_item(DESK_ID), quantity=99, version=2)
        return (
            session.repository(ITEM_TABLE)
            .update(desk, expected_version=1)
            .bind(lambda _: FutureResult.from_failure(Conflict("not today")))
        )

    act = MemberCommand("act", NoInput, restock_desk_then_refuse)
    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), Expectation.none()))

    assert outcome == Failure(Conflict("not today"))
    assert uow.rows(ITEM_TABLE)[DESK_ID] == an_item(DESK_ID)
    assert uow.rollbacks == 1


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
    uow, commands = seeded(an_item())

    def overtaken(
        session: Session, item: Item, _dto: NoInput, _now: datetime
    ) -> FutureResult[Item, AppError]:
        meanwhile = attrs.evolve(item, quantity=1, version=2)
        return (
            session.repository(ITEM_TABLE)
            .update(meanwhile, expected_version=1)
            .map(lambda _: attrs.evolve(item, quantity=0))
        )

    act = MemberCommand("act", NoInput, overtaken)
    outcome = performed(await commands.run(act, LAMP_ID, NoInput(), expectation))

    assert outcome == Failure(error)
    assert uow.rows(ITEM_TABLE)[LAMP_ID] == an_item()


@pytest.mark.parametrize("name", ["", "Cancel", "cancel/now", "{id}", "-cancel", "a" * 64])
def test_a_command_name_must_be_one_lower_case_path_segment(name: str) -> None:
    act, _ = command(an_item())

    with pytest.raises(ValueError, match="must match regex"):
        attrs.evolve(act, name=name)


def test_a_router_refuses_a_resource_declaring_one_command_name_twice() -> None:
    act, _ = command(an_item())
    twice = attrs.evolve(ITEMS, commands=(act, act))
    uow = InMemoryUnitOfWork()

    with pytest.raises(ValueError, match="declared twice"):
        GenericCRUDRouter(
            CrudUseCases(twice, uow, lambda: NOW, lambda: LAMP_ID),
            clock=lambda: NOW,
            require_if_match=False,
            cursors=CursorCodec(b"k" * 32),
        )
