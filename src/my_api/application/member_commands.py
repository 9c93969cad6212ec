"""Running a declared member command: the same write pipeline for every command.

The command supplies one step (current entity in, next entity out); around it
this module does what every write does: honour ``If-Match`` before and after
(428, 412, or 409 for a race lost without one), stamp the bookkeeping, and
store by compare-and-set and record the command's event (``order.cancelled``),
all in the command's unit of work, so the step's own writes (e.g. stock given
back to items) commit or roll back with it.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from returns.curry import partial
from returns.future import FutureResult

from my_api.application.writes import Change, current_entity, evolved, recorded, store
from my_api.kernel.bus import Writing
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.preconditions import Expectation
from my_api.kernel.resource import Resource

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
    resource: Resource[E, Any],
    command: MemberCommand[E, D],
    entity_id: UUID,
    dto: D,
    expectation: Expectation,
    writing: Writing,
) -> FutureResult[Emitted[E], AppError]:
    """Load (If-Match honoured), run the step, store by compare-and-set, record the
    command's event after the events of whatever else the step changed.
    """
    repo = writing.session.repository(resource.table)

    def saved(current: E, candidate: E) -> FutureResult[Emitted[E], AppError]:
        stored = store(repo, pinned(current, candidate), expectation, writing.now)
        return stored.map(lambda entity: recorded(resource, command.event, entity, writing))

    def step_then_store(current: E) -> FutureResult[Emitted[E], AppError]:
        return command.step(writing, current, dto).bind(
            lambda stepped: stepped.then(partial(saved, current))
        )

    # Claimed: a concurrent run of a command on the same entity waits here, and then
    # sees the state the first one stored (a second cancel is "already cancelled"),
    # instead of repeating the step's writes and losing only at the compare-and-set.
    return current_entity(repo, entity_id, expectation, claimed=True).bind(step_then_store)
