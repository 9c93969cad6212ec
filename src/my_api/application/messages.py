"""The generic messages every resource answers: CRUD and member commands, as values.

The HTTP router turns a request into one of these (through ``use_cases.py``) and
hands it to a bus; each names the resource it addresses, so the bus finds the
handler registered for that resource (``handlers.py`` registers the generic
ones; a message type of another use case registers its own handler the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs

from my_api.kernel.bus import Command, Query
from my_api.kernel.listing import Listing, ListQuery
from my_api.kernel.preconditions import Expectation

E = TypeVar("E")
C = TypeVar("C")


@attrs.frozen
class CreateEntity(Command[E], Generic[E, C]):
    resource: str
    input: C


@attrs.frozen
class ReplaceEntity(Command[E], Generic[E, C]):
    resource: str
    entity_id: UUID
    input: C
    expectation: Expectation


@attrs.frozen
class PatchEntity(Command[E]):
    resource: str
    entity_id: UUID
    patch: Mapping[str, Any]
    expectation: Expectation


@attrs.frozen
class DeleteEntity(Command[None]):
    resource: str
    entity_id: UUID
    expectation: Expectation


@attrs.frozen
class RunMemberCommand(Command[E], Generic[E, C]):
    """``POST {collection}/{id}/{name}``: the resource's member command ``name``."""

    resource: str
    name: str
    entity_id: UUID
    input: C
    expectation: Expectation


@attrs.frozen
class GetEntity(Query[E]):
    resource: str
    entity_id: UUID


@attrs.frozen
class ListEntities(Query[Listing[E]]):
    # A page and its total are read in one snapshot, so they agree under writes.
    snapshot = True

    resource: str
    query: ListQuery
