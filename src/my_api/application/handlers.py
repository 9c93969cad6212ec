"""Every declared resource's messages, bound to the generic pipelines that answer them.

``register_resource`` puts on the buses' registry one handler per message the
resource answers: reads always; the writes its declaration serves
(``Resource.writes``); its member commands when it declares any. Each handler
only unpacks its message into a pipeline of ``crud.py`` or
``member_commands.py``; the bus runs it in the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import attrs
from returns.future import FutureResult

from my_api.application.crud import (
    create_entity,
    delete_entity,
    list_entities,
    patch_entity,
    replace_entity,
)
from my_api.application.member_commands import run_member_command
from my_api.application.messages import (
    CreateEntity,
    DeleteEntity,
    GetEntity,
    ListEntities,
    PatchEntity,
    ReplaceEntity,
    RunMemberCommand,
)
from my_api.kernel.bus import Command, CommandHandler, Handlers, Route, Writing
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError, NotFound
from my_api.kernel.events import Emitted
from my_api.kernel.listing import Listing
from my_api.kernel.resource import Resource
from my_api.kernel.unit_of_work import Session

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C", bound=attrs.AttrsInstance)


# The message of each generic write a resource may serve (``Resource.writes``).
WRITE_MESSAGES: dict[str, type[Command[Any]]] = {
    "create": CreateEntity,
    "replace": ReplaceEntity,
    "patch": PatchEntity,
    "delete": DeleteEntity,
}


def routes_of(resource: Resource[Any, Any]) -> list[Route]:
    """The messages a resource's collection sends: what the buses must answer."""
    name = resource.name
    routes: list[Route] = [(GetEntity, name), (ListEntities, name)]
    routes += [(WRITE_MESSAGES[write], name) for write in sorted(resource.writes)]
    if resource.commands:
        routes.append((RunMemberCommand, name))
    return routes


def register_resource(handlers: Handlers, resource: Resource[E, C]) -> None:
    name = resource.name
    table = resource.table

    def get(message: GetEntity[E], session: Session) -> FutureResult[E, AppError]:
        return session.repository(table).get(message.entity_id)

    def listed(message: ListEntities[E], session: Session) -> FutureResult[Listing[E], AppError]:
        return list_entities(session.repository(table), message.query)

    def create(message: CreateEntity[E, C], writing: Writing) -> FutureResult[Emitted[E], AppError]:
        return create_entity(resource, message.input, writing)

    def replace(
        message: ReplaceEntity[E, C], writing: Writing
    ) -> FutureResult[Emitted[E], AppError]:
        return replace_entity(
            resource, message.entity_id, message.input, message.expectation, writing
        )

    def patch(message: PatchEntity[E], writing: Writing) -> FutureResult[Emitted[E], AppError]:
        return patch_entity(
            resource, message.entity_id, message.patch, message.expectation, writing
        )

    def delete(message: DeleteEntity, writing: Writing) -> FutureResult[Emitted[None], AppError]:
        return delete_entity(resource, message.entity_id, message.expectation, writing)

    commands = {command.name: command for command in resource.commands}
    if len(commands) != len(resource.commands):
        raise ValueError(f"{name}: a member command is declared twice")

    def run(
        message: RunMemberCommand[E, Any], writing: Writing
    ) -> FutureResult[Emitted[E], AppError]:
        # The router only sends names the resource declares; a script may send any.
        command = commands.get(message.name)
        if command is None:
            return FutureResult.from_failure(NotFound(f"{name} commands", message.name))
        return run_member_command(
            resource, command, message.entity_id, message.input, message.expectation, writing
        )

    handlers.query(GetEntity, get, resource=name)
    handlers.query(ListEntities, listed, resource=name)
    writes: dict[str, CommandHandler] = {
        "create": create,
        "replace": replace,
        "patch": patch,
        "delete": delete,
    }
    for write in sorted(resource.writes):
        handlers.command(WRITE_MESSAGES[write], writes[write], resource=name)
    if commands:
        handlers.command(RunMemberCommand, run, resource=name)


def handlers_for(resources: Iterable[Resource[Any, Any]]) -> Handlers:
    handlers = Handlers()
    for resource in resources:
        register_resource(handlers, resource)
    return handlers
