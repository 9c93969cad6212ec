"""Parsing the parts of a request that address one member: its id, its body, ``If-Match``.

Each part becomes a value or an ``AppError``; the records name what a parse
found, so pipelines pass ``addressed.entity_id``, never ``found[0]``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from returns.result import Failure, Result, Success
from starlette.requests import Request

from my_api.adapters.http.body import read_object, read_object_or_nothing
from my_api.adapters.http.etags import if_match
from my_api.kernel.converter import structure_input
from my_api.kernel.errors import AppError, NotFound
from my_api.kernel.preconditions import Expectation

T = TypeVar("T")
D = TypeVar("D")

Document = dict[str, Any]


@attrs.frozen
class Addressed(Generic[T]):
    """A request for one member: the id from its path and what its body holds."""

    entity_id: UUID
    body: T

    def structured(self: Addressed[Document], into: type[D]) -> Result[Addressed[D], AppError]:
        """The body read into the DTO ``into``; 422 naming every bad field."""
        return structure_input(self.body, into).map(lambda dto: Addressed(self.entity_id, dto))


def entity_id(request: Request, resource: str) -> Result[UUID, AppError]:
    """The ``{id}`` path parameter; one that is no UUID names no entity (404)."""
    raw: str = request.path_params["id"]
    try:
        return Success(UUID(raw))
    except ValueError:
        return Failure(NotFound(resource, raw))


async def addressed(
    request: Request, resource: str, accepted: tuple[str, ...], *, body_optional: bool = False
) -> Result[Addressed[Document], AppError]:
    """The id, then the JSON body; an unknown id is a 404 with the body unread."""
    found = entity_id(request, resource)
    if isinstance(found, Failure):
        return found
    read = read_object_or_nothing if body_optional else read_object
    return (await read(request, accepted)).map(lambda document: Addressed(found.unwrap(), document))


def expectation(request: Request, *, required: bool) -> Expectation:
    """What the request's ``If-Match`` asserts (``required``: a missing one is a 428)."""
    return if_match(request.headers.get("if-match"), required=required)
