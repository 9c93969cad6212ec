"""``GET /api/v1/events``: the change feed, in commit order, as CloudEvents.

``?after=<sequence>&limit=<1..1000>&type=<CloudEvents type>&wait=<0..30>``
answers ``{"events": [...], "next_after": "<sequence>"}``. A follower passes
``next_after`` back as ``after`` and sees every committed event once
(docs/events.md). With ``wait`` the request long-polls: it answers as soon as
an event past ``after`` is published, or after ``wait`` seconds with an empty
list. It wakes on the feed bell when this process's relay publishes and reads
the feed again every ``poll_seconds`` for what other processes' relays
published. No connection is held while it waits.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from my_api.adapters.http.auth_guard import Guard
from my_api.adapters.http.cloud_events import cloud_event, domain_type
from my_api.adapters.http.crud_router import API_PREFIX
from my_api.adapters.http.json import json_response
from my_api.adapters.http.problems import error_response
from my_api.kernel.auth import Action
from my_api.kernel.bells import FeedBell
from my_api.kernel.errors import AppError, FieldError, MalformedRequest
from my_api.kernel.event_feed import MAX_SEQUENCE, EventFeed
from my_api.kernel.events import Published
from my_api.kernel.io_edge import performed

T = TypeVar("T")

SCOPE = "events:read"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_WAIT_SECONDS = 30
_PARAMETERS = ("after", "limit", "type", "wait")
_SECONDS = re.compile(r"[0-9]{1,2}(\.[0-9]{1,3})?")


@attrs.frozen
class FeedOptions:
    """How often a long poll reads the feed again for other processes' events."""

    poll_seconds: float = 1.0


@attrs.frozen
class FeedQuery:
    after: int = 0
    limit: int = DEFAULT_LIMIT
    event_type: str | None = None
    wait_seconds: float = 0.0


def _after(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or int(text) > MAX_SEQUENCE:
        raise ValueError(f"must be a sequence: an integer from 0 to {MAX_SEQUENCE}")
    return int(text)


def _limit(text: str) -> int:
    if (
        not (text.isascii() and text.isdigit() and len(text) <= 4)
        or not 1 <= int(text) <= MAX_LIMIT
    ):
        raise ValueError(f"must be an integer from 1 to {MAX_LIMIT}")
    return int(text)


def _wait(text: str) -> float:
    if not _SECONDS.fullmatch(text) or float(text) > MAX_WAIT_SECONDS:
        raise ValueError(f"must be a number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return float(text)


def _type(text: str) -> str | None:
    found = domain_type(text)
    if found is None:
        raise ValueError("must be a full CloudEvents type, e.g. my_api.item.updated.v1")
    return found


def parse_feed_query(params: Iterable[tuple[str, str]]) -> Result[FeedQuery, AppError]:
    """The feed query ``params`` ask for, or a 400 naming every bad parameter."""
    errors: list[FieldError] = []
    given: dict[str, str] = {}
    for key, text in params:
        if key not in _PARAMETERS:
            known = ", ".join(_PARAMETERS)
            message = f"is not a parameter here (one of: {known})"
            errors.append(FieldError(key, message, "unknown_parameter"))
        elif key in given:
            errors.append(FieldError(key, "must be given at most once", "repeated_parameter"))
        else:
            given[key] = text

    def read(name: str, reader: Callable[[str], T], default: T, code: str) -> T:
        if name not in given:
            return default
        try:
            return reader(given[name])
        except ValueError as invalid:
            errors.append(FieldError(name, str(invalid), code))
            return default

    query = FeedQuery(
        after=read("after", _after, 0, "out_of_range"),
        limit=read("limit", _limit, DEFAULT_LIMIT, "out_of_range"),
        event_type=read("type", _type, None, "invalid_event_type"),
        wait_seconds=read("wait", _wait, 0.0, "out_of_range"),
    )
    if errors:
        return Failure(MalformedRequest("The query string is not valid.", tuple(errors)))
    return Success(query)


def page_document(query: FeedQuery, page: Sequence[Published]) -> dict[str, object]:
    """The page, and where the next one starts: after its last event, or where this one did."""
    next_after = page[-1].sequence if page else query.after
    return {"events": [cloud_event(one) for one in page], "next_after": str(next_after)}


class EventFeedEndpoint:
    def __init__(self, feed: EventFeed, bell: FeedBell, guard: Guard, options: FeedOptions) -> None:
        self._feed = feed
        self._bell = bell
        self._guard = guard
        self._poll_seconds = options.poll_seconds

    async def serve(self, request: Request) -> Response:
        path = request.url.path
        if not self._guard.is_open:
            admitted = await self._guard.admit(request, SCOPE, Action.READ)
            if isinstance(admitted, Failure):
                return error_response(admitted.failure(), path)
        parsed = parse_feed_query(request.query_params.multi_items())
        if isinstance(parsed, Failure):
            return error_response(parsed.failure(), path)
        query = parsed.unwrap()
        page = await self._page(query)
        if isinstance(page, Failure):
            return error_response(page.failure(), path)
        return json_response(page_document(query, page.unwrap()))

    async def _page(self, query: FeedQuery) -> Result[Sequence[Published], AppError]:
        """The first non-empty page within ``wait_seconds``; an empty one after them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + query.wait_seconds
        while True:
            # Noted before reading: a publication between the read and the wait wakes it.
            since = self._bell.rung
            page = performed(await self._feed.read(query.after, query.limit, query.event_type))
            remaining = deadline - loop.time()
            if isinstance(page, Failure) or page.unwrap() or remaining <= 0:
                return page
            await self._bell.wait(since, min(remaining, self._poll_seconds))


# The feed's path segment, which no resource may take (bootstrap refuses it).
FEED_COLLECTION = "events"


def event_feed_routes(
    feed: EventFeed, bell: FeedBell, guard: Guard, options: FeedOptions
) -> list[Route]:
    """``GET /api/v1/events`` (and HEAD), behind the guard with the ``events:read`` scope."""
    endpoint = EventFeedEndpoint(feed, bell, guard, options)
    # A bound method: Starlette serves a function or method as a request endpoint.
    return [Route(f"{API_PREFIX}/{FEED_COLLECTION}", endpoint.serve, methods=["GET"])]
