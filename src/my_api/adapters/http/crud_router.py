"""GenericCRUDRouter: a resource declaration in, Starlette routes out.

Every endpoint does three things: parse the request into values, call one
use case, and hand the outcome to ``respond``. No endpoint knows which
entity it serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.io import IOResult
from returns.result import Failure, Result, Success
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from my_api.adapters.http.body import JSON, MERGE_PATCH, read_object
from my_api.adapters.http.etags import etag, if_match, if_none_match
from my_api.adapters.http.json import json_response
from my_api.adapters.http.problems import error_response
from my_api.adapters.http.query_language import parse_list_query
from my_api.application.crud import CrudUseCases, Listing
from my_api.kernel import context
from my_api.kernel.clock import Clock
from my_api.kernel.converter import format_timestamp, structure_input
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError, NotFound
from my_api.kernel.io_edge import performed
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import ListQuery
from my_api.kernel.pagination import Page
from my_api.kernel.preconditions import Expectation

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C", bound=attrs.AttrsInstance)
T = TypeVar("T")
A = TypeVar("A")

API_PREFIX = "/api/v1"


def respond(
    request: Request, outcome: IOResult[T, AppError], render: Callable[[T], Response]
) -> Response:
    """The single place a pipeline's outcome becomes a response."""
    result = performed(outcome)
    if isinstance(result, Failure):
        return error_response(result.failure(), request.url.path)
    return render(result.unwrap())


async def answer(
    request: Request,
    parsed: Result[A, AppError],
    use_case: Callable[[A], FutureResult[T, AppError]],
    render: Callable[[T], Response],
) -> Response:
    """Parsed input into one use case, its outcome into a response.

    A parse failure answers at once, without entering a use case (or a unit of
    work, or the database).
    """
    if isinstance(parsed, Failure):
        return error_response(parsed.failure(), request.url.path)
    return respond(request, await use_case(parsed.unwrap()), render)


Endpoint = Callable[[Request], Awaitable[Response]]


def _by_method(endpoints: Mapping[str, Endpoint]) -> Endpoint:
    async def dispatch(request: Request) -> Response:
        # HEAD is served as GET (Starlette strips the body).
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return dispatch


class GenericCRUDRouter(Generic[E, C]):
    def __init__(
        self,
        use_cases: CrudUseCases[E, C],
        *,
        clock: Clock,
        require_if_match: bool,
        cursors: CursorCodec,
    ) -> None:
        self._cases = use_cases
        self._resource = use_cases.resource
        self._catalog = use_cases.resource.catalog
        self._cursors = cursors
        self._clock = clock
        self._require_if_match = require_if_match
        self.collection = f"{API_PREFIX}/{self._resource.name}"

    @property
    def routes(self) -> list[Route]:
        """One route per path, so a 405 lists every method the path has in ``Allow``."""
        on_collection: dict[str, Endpoint] = {"GET": self.list, "POST": self.create}
        on_member: dict[str, Endpoint] = {
            "GET": self.get,
            "PUT": self.replace,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }
        return [
            Route(self.collection, _by_method(on_collection), methods=list(on_collection)),
            Route(self.collection + "/{id}", _by_method(on_member), methods=list(on_member)),
        ]

    # -- rendering -----------------------------------------------------------------

    def _envelope(self, entity: E, status_code: int = 200, **headers: str) -> Response:
        document = {
            "data": self._resource.view(entity),
            "request_id": context.request_id.get(),
            "timestamp": format_timestamp(self._clock()),
        }
        return json_response(document, status_code, {"ETag": etag(entity.version), **headers})

    def _listing(self, query: ListQuery, listing: Listing[E]) -> Response:
        items = [self._resource.view(entity) for entity in listing.items]
        if isinstance(listing, Page):
            return json_response(
                {
                    "items": items,
                    "total": listing.total,
                    "page": listing.request.page,
                    "size": listing.request.size,
                    "pages": listing.pages,
                    "has_next": listing.has_next,
                    "has_previous": listing.has_previous,
                }
            )
        return json_response(
            {
                "items": items,
                "next_cursor": self._cursor(listing.next_boundary, query, after=True),
                "prev_cursor": self._cursor(listing.prev_boundary, query, after=False),
            }
        )

    def _cursor(
        self, boundary: tuple[Any, ...] | None, query: ListQuery, *, after: bool
    ) -> str | None:
        if boundary is None:
            return None
        return self._cursors.encode(Keyset(boundary, after=after), query.fingerprint)

    def _entity_id(self, request: Request) -> Result[UUID, AppError]:
        raw: str = request.path_params["id"]
        try:
            return Success(UUID(raw))
        except ValueError:
            return Failure(NotFound(self._resource.name, raw))

    def _expectation(self, request: Request) -> Expectation:
        return if_match(request.headers.get("if-match"), required=self._require_if_match)

    # -- endpoints -----------------------------------------------------------------
    # Parsing yields a Result; only parsed values reach a use case (see ``answer``).

    async def list(self, request: Request) -> Response:
        parsed = parse_list_query(request.query_params.multi_items(), self._catalog, self._cursors)
        return await answer(
            request,
            parsed,
            lambda query: self._cases.list(query).map(lambda listing: (query, listing)),
            lambda found: self._listing(*found),
        )

    async def create(self, request: Request) -> Response:
        parsed = (await read_object(request, JSON)).bind(
            lambda document: structure_input(document, self._resource.dto)
        )
        return await answer(
            request,
            parsed,
            self._cases.create,
            lambda entity: self._envelope(entity, 201, Location=f"{self.collection}/{entity.id}"),
        )

    async def get(self, request: Request) -> Response:
        def render(entity: E) -> Response:
            tag = etag(entity.version)
            if if_none_match(request.headers.get("if-none-match"), tag):
                return Response(status_code=304, headers={"ETag": tag})
            return self._envelope(entity)

        return await answer(request, self._entity_id(request), self._cases.get, render)

    async def replace(self, request: Request) -> Response:
        expectation = self._expectation(request)
        parsed = await self._with_body(request, JSON)
        return await answer(
            request,
            parsed.bind(
                lambda found: structure_input(found[1], self._resource.dto).map(
                    lambda dto: (found[0], dto)
                )
            ),
            lambda found: self._cases.replace(found[0], found[1], expectation),
            self._envelope,
        )

    async def patch(self, request: Request) -> Response:
        expectation = self._expectation(request)
        return await answer(
            request,
            await self._with_body(request, MERGE_PATCH),
            lambda found: self._cases.patch(found[0], found[1], expectation),
            self._envelope,
        )

    async def delete(self, request: Request) -> Response:
        expectation = self._expectation(request)
        return await answer(
            request,
            self._entity_id(request),
            lambda entity_id: self._cases.delete(entity_id, expectation),
            lambda _: Response(status_code=204),
        )

    async def _with_body(
        self, request: Request, accepted: tuple[str, ...]
    ) -> Result[tuple[UUID, dict[str, Any]], AppError]:
        """The id from the path, then the JSON body; an unknown id is a 404 unread."""
        entity_id = self._entity_id(request)
        if isinstance(entity_id, Failure):
            return entity_id
        return (await read_object(request, accepted)).map(
            lambda document: (entity_id.unwrap(), document)
        )
