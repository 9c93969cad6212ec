"""``in_sequence`` and ``emitting_in_sequence``: steps one after another, results collected."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from returns.future import FutureResult
from returns.result import Failure, Success

from my_api.application.sequence import Step, emitting_in_sequence, in_sequence
from my_api.kernel.errors import AppError, Conflict
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.io_edge import performed


def recording(ran: list[int], number: int, *, fails: bool = False) -> Step[int]:
    def step() -> FutureResult[int, AppError]:
        ran.append(number)
        if fails:
            return FutureResult.from_failure(Conflict(f"step {number}"))
        return FutureResult.from_value(number * 10)

    return step


async def test_every_value_in_the_order_the_steps_ran() -> None:
    ran: list[int] = []
    outcome = performed(await in_sequence([recording(ran, n) for n in (3, 1, 2)]))
    assert outcome == Success((30, 10, 20))
    assert ran == [3, 1, 2]


async def test_no_steps_give_no_values() -> None:
    assert performed(await in_sequence([])) == Success(())


async def test_the_first_failure_is_the_outcome_and_no_later_step_runs() -> None:
    ran: list[int] = []
    steps = [recording(ran, 1), recording(ran, 2, fails=True), recording(ran, 3, fails=True)]
    assert performed(await in_sequence(steps)) == Failure(Conflict("step 2"))
    assert ran == [1, 2]


def an_event(number: int) -> DomainEvent:
    return DomainEvent(
        id=UUID(int=number),
        type="item.updated",
        collection="items",
        aggregate_id=UUID(int=number),
        aggregate_version=1,
        time=datetime(2026, 1, 1, tzinfo=UTC),
        data={},
    )


async def test_emitting_steps_keep_every_event_in_the_order_the_steps_ran() -> None:
    def emitting(number: int, events: int) -> Step[Emitted[int]]:
        emitted = Emitted(number, tuple(an_event(number * 10 + n) for n in range(events)))
        return lambda: FutureResult.from_value(emitted)

    outcome = performed(
        await emitting_in_sequence([emitting(1, 2), emitting(2, 0), emitting(3, 1)])
    )

    assert outcome == Success(Emitted((1, 2, 3), (an_event(10), an_event(11), an_event(30))))
