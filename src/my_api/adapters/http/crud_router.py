"""GenericCRUDRouter: a resource declaration in, Starlette routes out.

Every endpoint does three things: parse the request into a message
(``parsing.py``, ``application/messages.py``), send it through the command or
query bus, and hand the outcome to ``answer`` (``responses.py``), which renders
it or maps its failure to a problem. No endpoint knows which entity it serves,
nor which handler answers. The collection serves the writes its resource
declares (the others are 405); each member command the resource declares
becomes ``POST {collection}/{id}/{name}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
from returns.future import FutureResult
from returns.result import Failure
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from my_api.adapters.http.auth_guard import OPEN, Guard
from my_api.adapters.http.body import JSON, MERGE_PATCH, read_object
from my_api.adapters.http.parsing import addressed, entity_id, expectation
from my_api.adapters.http.problems import error_response
from my_api.adapters.http.query_language import DEFAULT_LIMITS, parse_list_query
from my_api.adapters.http.query_limits import QueryLimits
from my_api.adapters.http.responses import answer, entity_response, listing_response, not_modified
from my_api.application.use_cases import CrudUseCases
from my_api.kernel.auth import action_of, scope_for
from my_api.kernel.clock import Clock
from my_api.kernel.converter import structure_input
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.listing import Listing, ListQuery
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.preconditions import Expectation

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C", bound=attrs.AttrsInstance)

API_PREFIX = "/api/v1"

Endpoint = Callable[[Request], Awaitable[Response]]


def _by_method(endpoints: Mapping[str, Endpoint]) -> Endpoint:
    async def dispatch(request: Request) -> Response:
        # HEAD is served as GET (Starlette strips the body).
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return dispatch


@attrs.frozen
class Listed(Generic[E]):
    """A listing and the query that asked for it (its cursors are bound to that query)."""

    query: ListQuery
    listing: Listing[E]


class GenericCRUDRouter(Generic[E, C]):
    """The routes of one resource; each request becomes one use case call, which the
    use cases send as a message through the buses.
    """

    def __init__(
        self,
        use_cases: CrudUseCases[E, C],
        *,
        clock: Clock,
        require_if_match: bool,
        cursors: CursorCodec,
        guard: Guard = OPEN,
        query_limits: QueryLimits = DEFAULT_LIMITS,
    ) -> None:
        self._cases = use_cases
        self._resource = use_cases.resource
        self._catalog = use_cases.resource.catalog
        self._cursors = cursors
        self._query_limits = query_limits
        self._clock = clock
        self._require_if_match = require_if_match
        self._guard = guard
        self.collection = f"{API_PREFIX}/{self._resource.name}"

    @property
    def routes(self) -> list[Route]:
        """One route per path, so a 405 lists every method the path has in ``Allow``."""
        writes = self._resource.writes
        on_collection: dict[str, Endpoint] = {"GET": self.list}
        if "create" in writes:
            on_collection["POST"] = self.create
        on_member: dict[str, Endpoint] = {"GET": self.get}
        member_writes = {"PUT": "replace", "PATCH": "patch", "DELETE": "delete"}
        on_member |= {
            method: getattr(self, write)
            for method, write in member_writes.items()
            if write in writes
        }
        member = self.collection + "/{id}"
        on_collection = {method: self._guarded(method, e) for method, e in on_collection.items()}
        on_member = {method: self._guarded(method, e) for method, e in on_member.items()}
        return [
            Route(self.collection, _by_method(on_collection), methods=list(on_collection)),
            Route(member, _by_method(on_member), methods=list(on_member)),
            *(
                Route(
                    f"{member}/{command.name}",
                    self._guarded("POST", self.command(command)),
                    methods=["POST"],
                )
                for command in self._resource.commands
            ),
        ]

    def _guarded(self, method: str, endpoint: Endpoint) -> Endpoint:
        """The endpoint behind the guard, which asks for ``<resource>:<read|write>``."""
        if self._guard.is_open:
            return endpoint
        action = action_of(method)
        scope = scope_for(self._resource.name, action)

        async def guarded(request: Request) -> Response:
            admitted = await self._guard.admit(request, scope, action)
            if isinstance(admitted, Failure):
                return error_response(admitted.failure(), request.url.path)
            return await endpoint(request)

        return guarded

    # -- rendering -----------------------------------------------------------------

    def _entity(
        self, entity: E, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        return entity_response(
            self._resource.view(entity),
            entity.version,
            now=self._clock(),
            status_code=status_code,
            headers=headers,
        )

    def _created(self, entity: E) -> Response:
        return self._entity(entity, 201, {"Location": f"{self.collection}/{entity.id}"})

    def _listing(self, listed: Listed[E]) -> Response:
        return listing_response(
            listed.listing, self._resource.view, query=listed.query, cursors=self._cursors
        )

    def _expectation(self, request: Request) -> Expectation:
        return expectation(request, required=self._require_if_match)

    # -- endpoints -----------------------------------------------------------------
    # Parsing yields a Result; only parsed values reach a use case (see ``answer``).

    async def list(self, request: Request) -> Response:
        def listed(query: ListQuery) -> FutureResult[Listed[E], AppError]:
            return self._cases.list(query).map(lambda listing: Listed(query, listing))

        parsed = parse_list_query(
            request.query_params.multi_items(), self._catalog, self._cursors, self._query_limits
        )
        return await answer(request, parsed, listed, self._listing)

    async def create(self, request: Request) -> Response:
        parsed = (await read_object(request, JSON)).bind(
            lambda document: structure_input(document, self._resource.dto)
        )
        return await answer(request, parsed, self._cases.create, self._created)

    async def get(self, request: Request) -> Response:
        def fresh_or_not_modified(entity: E) -> Response:
            unchanged = not_modified(request, entity.version)
            return self._entity(entity) if unchanged is None else unchanged

        parsed = entity_id(request, self._resource.name)
        return await answer(request, parsed, self._cases.get, fresh_or_not_modified)

    async def replace(self, request: Request) -> Response:
        expected = self._expectation(request)
        parsed = (await addressed(request, self._resource.name, JSON)).bind(
            lambda raw: raw.structured(self._resource.dto)
        )
        return await answer(
            request,
            parsed,
            lambda put: self._cases.replace(put.entity_id, put.body, expected),
            self._entity,
        )

    async def patch(self, request: Request) -> Response:
        expected = self._expectation(request)
        parsed = await addressed(request, self._resource.name, MERGE_PATCH)
        return await answer(
            request,
            parsed,
            lambda patch: self._cases.patch(patch.entity_id, patch.body, expected),
            self._entity,
        )

    async def delete(self, request: Request) -> Response:
        expected = self._expectation(request)
        return await answer(
            request,
            entity_id(request, self._resource.name),
            lambda found: self._cases.delete(found, expected),
            lambda _: Response(status_code=204),
        )

    def command(self, command: MemberCommand[E, Any]) -> Endpoint:
        """The endpoint of one member command: its input from the body (none is ``{}``),
        its outcome in the entity envelope.
        """

        async def run(request: Request) -> Response:
            expected = self._expectation(request)
            parsed = (await addressed(request, self._resource.name, JSON, body_optional=True)).bind(
                lambda raw: raw.structured(command.input)
            )
            return await answer(
                request,
                parsed,
                lambda call: self._cases.run(command.name, call.entity_id, call.body, expected),
                self._entity,
            )

        return run
