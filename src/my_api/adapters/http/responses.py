"""Successful responses, in the shapes API.md promises, and the one way outcomes reach them.

``problems.py`` answers failures; this module answers everything else. The
generic router answers through these functions, and so can any custom
endpoint: an entity in the same envelope with the same ``ETag``, a page in the
same page shape, a failure as the same problem.

- ``respond`` / ``answer``: a pipeline's outcome (or a parse failure) into a response.
- ``entity_response``: ``{"data", "request_id", "timestamp"}`` plus ``ETag``.
- ``not_modified``: the 304 for a client that already holds the current version.
- ``listing_response``: an offset page or a keyset page of views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from returns.future import FutureResult
from returns.io import IOResult
from returns.result import Failure, Result
from starlette.requests import Request
from starlette.responses import Response

from my_api.adapters.http.etags import etag, if_none_match
from my_api.adapters.http.json import json_response
from my_api.adapters.http.problems import error_response
from my_api.kernel import context
from my_api.kernel.converter import format_timestamp
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import AppError
from my_api.kernel.io_edge import performed
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import KeysetPage, ListQuery
from my_api.kernel.pagination import Page

E = TypeVar("E")
T = TypeVar("T")
A = TypeVar("A")

View = Callable[[E], dict[str, Any]]


def respond(
    request: Request, outcome: IOResult[T, AppError], render: Callable[[T], Response]
) -> Response:
    """The single place a pipeline's outcome becomes a response: ``render`` on
    success, the matching problem (``problems.error_response``) on failure.
    """
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


def entity_response(
    data: dict[str, Any],
    version: int,
    *,
    now: datetime,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """One entity's view in the single-resource envelope, tagged with its version.

    ``now`` is the envelope's ``timestamp``; the request id comes from the
    request's context (set by ``RequestIdMiddleware``).
    """
    document = {
        "data": data,
        "request_id": context.request_id.get(),
        "timestamp": format_timestamp(now),
    }
    tag = {"ETag": etag(version)}
    return json_response(document, status_code, {**tag, **headers} if headers else tag)


def not_modified(request: Request, version: int) -> Response | None:
    """304 when the request's ``If-None-Match`` already names ``version``, else None."""
    tag = etag(version)
    if if_none_match(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag})
    return None


def page_response(page: Page[E], view: View[E]) -> Response:
    """An offset page: its items' views and where the page sits in the whole."""
    return json_response(
        {
            "items": [view(entity) for entity in page.items],
            "total": page.total,
            "page": page.request.page,
            "size": page.request.size,
            "pages": page.pages,
            "has_next": page.has_next,
            "has_previous": page.has_previous,
        }
    )


def keyset_response(
    page: KeysetPage[E], view: View[E], *, query: ListQuery, cursors: CursorCodec
) -> Response:
    """A keyset page: its items' views and signed cursors bound to ``query``."""

    def cursor(boundary: tuple[Any, ...] | None, *, after: bool) -> str | None:
        if boundary is None:
            return None
        return cursors.encode(Keyset(boundary, after=after), query.fingerprint)

    return json_response(
        {
            "items": [view(entity) for entity in page.items],
            "next_cursor": cursor(page.next_boundary, after=True),
            "prev_cursor": cursor(page.prev_boundary, after=False),
        }
    )


def listing_response(
    listing: Page[E] | KeysetPage[E], view: View[E], *, query: ListQuery, cursors: CursorCodec
) -> Response:
    """Whichever page the query's window asked for, in its shape."""
    if isinstance(listing, Page):
        return page_response(listing, view)
    return keyset_response(listing, view, query=query, cursors=cursors)
