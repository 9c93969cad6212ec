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

from my_api.application.writes import Change, current_entity, evolved, store
from my_api.kernel.clock import Clock
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.preconditions import Expectation
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session, UnitOfWork

E = TypeVar("E", bound=StoredEntity)
D = TypeVar("D")


def pinned(current: E, candidate: E) -> Change[E]:
    """The step's candidate as the successor of ``current``, with the bookkeeping the
    generics own: a step cannot move the entity to another id or bring it back from
    deletion.
    """
    return Change(
        current,
        evolved(
            candidate,
            id=current.id,
            created_at=current.created_at,
            deleted_at=current.deleted_at,
        ),
    )


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
            lambda candidate: store(repo, pinned(current, candidate), expectation, now)
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
