"""One resource's use cases as typed calls, each sent as a message through the buses.

The HTTP router calls these; so can a script, a test or another pipeline. The
messages (``messages.py``) are built in this one place, and whatever handler
the buses registered for the resource answers (``handlers.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult

from my_api.application.handlers import handlers_for, routes_of
from my_api.application.messages import (
    CreateEntity,
    DeleteEntity,
    GetEntity,
    ListEntities,
    PatchEntity,
    ReplaceEntity,
    RunMemberCommand,
)
from my_api.kernel.bus import CommandBus, Middleware, QueryBus
from my_api.kernel.clock import Clock, IdFactory
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.listing import Listing, ListQuery
from my_api.kernel.preconditions import Expectation
from my_api.kernel.resource import Resource
from my_api.kernel.unit_of_work import UnitOfWork

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C")
D = TypeVar("D")


@attrs.frozen
class CrudUseCases(Generic[E, C]):
    resource: Resource[E, Any]
    commands: CommandBus
    queries: QueryBus

    @classmethod
    def on(
        cls,
        resource: Resource[E, Any],
        uow: UnitOfWork,
        clock: Clock,
        new_id: IdFactory,
        middleware: tuple[Middleware, ...] = (),
    ) -> CrudUseCases[E, C]:
        """Buses of their own for ``resource`` alone: for tests and scripts. The service
        builds its buses once, for every resource, in the composition root.
        """
        handlers = handlers_for((resource,))
        return cls(
            resource,
            CommandBus(handlers.commands, uow, clock, new_id, middleware),
            QueryBus(handlers.queries, uow, middleware),
        )

    def __attrs_post_init__(self) -> None:
        # Refused here, when built, as the composition root refuses it at start-up: a
        # call must never reach a bus that has no handler for it.
        routes = routes_of(self.resource)
        unanswered = self.commands.missing(routes) + self.queries.missing(routes)
        if unanswered:
            raise ValueError(f"no handler for {', '.join(unanswered)}")

    def create(self, dto: C) -> FutureResult[E, AppError]:
        command: CreateEntity[E, C] = CreateEntity(self.resource.name, dto)
        return self.commands.dispatch(command)

    def get(self, entity_id: UUID) -> FutureResult[E, AppError]:
        query: GetEntity[E] = GetEntity(self.resource.name, entity_id)
        return self.queries.ask(query)

    def list(self, query: ListQuery) -> FutureResult[Listing[E], AppError]:
        asked: ListEntities[E] = ListEntities(self.resource.name, query)
        return self.queries.ask(asked)

    def replace(
        self, entity_id: UUID, dto: C, expectation: Expectation
    ) -> FutureResult[E, AppError]:
        command: ReplaceEntity[E, C] = ReplaceEntity(
            self.resource.name, entity_id, dto, expectation
        )
        return self.commands.dispatch(command)

    def patch(
        self, entity_id: UUID, patch: Mapping[str, Any], expectation: Expectation
    ) -> FutureResult[E, AppError]:
        command: PatchEntity[E] = PatchEntity(self.resource.name, entity_id, patch, expectation)
        return self.commands.dispatch(command)

    def delete(self, entity_id: UUID, expectation: Expectation) -> FutureResult[None, AppError]:
        return self.commands.dispatch(DeleteEntity(self.resource.name, entity_id, expectation))

    def run(
        self, name: str, entity_id: UUID, dto: D, expectation: Expectation
    ) -> FutureResult[E, AppError]:
        """The resource's member command ``name``."""
        command: RunMemberCommand[E, D] = RunMemberCommand(
            self.resource.name, name, entity_id, dto, expectation
        )
        return self.commands.dispatch(command)
