"""Running a declared member command: the same write pipeline for every command.

The command supplies one step (current entity in, next entity out); around it
this module does what every write does: honour ``If-Match`` before and after
(428, 412, or 409 for a race lost without one), stamp the bookkeeping, and
store by compare-and-set, all in one unit of work so the step's own writes
(e.g. stock given back to items) commit or roll back with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult

from my_api.kernel.clock import Clock
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session, UnitOfWork

E = TypeVar("E", bound=StoredEntity)
D = TypeVar("D")


def current_entity(
    repo: AsyncRepository[E, UUID], entity_id: UUID, expectation: Expectation
) -> FutureResult[E, AppError]:
    """The live entity, once the client's ``If-Match`` (if any) has been honoured."""
    return (
        FutureResult.from_result(expectation.demanded())
        .bind(lambda _: repo.get(entity_id))
        .bind_result(expectation.check)
    )


def stored_over(
    repo: AsyncRepository[E, UUID],
    current: E,
    candidate: E,
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    """``candidate`` written over ``current`` by compare-and-set.

    The bookkeeping is the generics' own, whatever the step returned: a step
    cannot move the entity to another id or bring it back from deletion.
    """
    stamped = attrs.evolve(  # type: ignore[misc]
        candidate,
        id=current.id,
        created_at=current.created_at,
        deleted_at=current.deleted_at,
        updated_at=now,
        version=current.version + 1,
    )
    return repo.update(stamped, expected_version=current.version).alt(expectation.lost_race)


def run_member_command(
    session: Session,
    table: EntityTable[E],
    command: MemberCommand[E, D],
    entity_id: UUID,
    dto: D,
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    repo = session.repository(table)

    def step_then_store(current: E) -> FutureResult[E, AppError]:
        return command.step(session, current, dto, now).bind(
            lambda candidate: stored_over(repo, current, candidate, expectation, now)
        )

    return current_entity(repo, entity_id, expectation).bind(step_then_store)


@attrs.frozen
class MemberCommands(Generic[E]):
    """The member commands of one resource's table, each run in its own unit of work."""

    table: EntityTable[E]
    uow: UnitOfWork
    clock: Clock

    def run(
        self, command: MemberCommand[E, D], entity_id: UUID, dto: D, expectation: Expectation
    ) -> FutureResult[E, AppError]:
        now = self.clock()
        return self.uow.atomically(
            lambda session: run_member_command(
                session, self.table, command, entity_id, dto, expectation, now
            )
        )
