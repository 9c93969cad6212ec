"""The steps every write shares: load the live entity honouring ``If-Match``, store
its successor by compare-and-set, and record what happened as a domain event.
CRUD pipelines (``crud.py``), member commands (``member_commands.py``) and orders
(``orders.py``) are all built from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.pipeline import flow
from returns.pointfree import bind, bind_result

from my_api.kernel.bus import Writing
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.resource import Resource

E = TypeVar("E", bound=StoredEntity)


@attrs.frozen
class Change(Generic[E]):
    """A write in the making: the live entity and the state it is to take."""

    current: E
    successor: E


def evolved(entity: E, **changes: Any) -> E:
    # Known here only as a StoredEntity (a Protocol), every entity is an attrs class.
    changed: E = attrs.evolve(cast(Any, entity), **changes)
    return changed


def current_entity(
    repo: AsyncRepository[E, UUID],
    entity_id: UUID,
    expectation: Expectation,
    *,
    claimed: bool = False,
) -> FutureResult[E, AppError]:
    """The live entity, once the client's ``If-Match`` (if any) has been honoured.

    ``claimed``: locked against concurrent writers until the unit of work ends
    (``AsyncRepository.claim``), for a write that touches other rows before it
    stores this one, so that a concurrent writer waits instead of doing the same
    work and losing only at the end.
    """

    def live(_: None) -> FutureResult[E, AppError]:
        return repo.claim(entity_id) if claimed else repo.get(entity_id)

    return flow(
        FutureResult.from_result(expectation.demanded()), bind(live), bind_result(expectation.check)
    )


def store(
    repo: AsyncRepository[E, UUID],
    change: Change[E],
    expectation: Expectation,
    now: datetime,
    *,
    include_deleted: bool = False,
) -> FutureResult[E, AppError]:
    """Write the successor by compare-and-set on the current version, stamped as a new
    version. No row back is a lost race: 412 if ``If-Match`` named versions, else 409.
    ``include_deleted`` writes a soft-deleted entity too (it stays deleted).
    """
    current = change.current
    stamped = evolved(change.successor, updated_at=now, version=current.version + 1)
    written = repo.update(
        stamped, expected_version=current.version, include_deleted=include_deleted
    )
    return written.alt(expectation.lost_race)


def recorded(resource: Resource[E, Any], what: str, entity: E, writing: Writing) -> Emitted[E]:
    """``entity``, stored, with the event saying so: ``<aggregate>.<what>`` at this version."""
    event = resource.event(what, entity, event_id=writing.new_id(), now=writing.now)
    return Emitted(entity, (event,))
