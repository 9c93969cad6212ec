"""The success shapes of ``adapters/http/responses.py``, which custom endpoints share."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from starlette.requests import Request

from my_api.adapters.http.responses import entity_response, not_modified
from my_api.kernel import context

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def a_request(**headers: str) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_an_entity_response_is_the_envelope_tagged_with_the_version() -> None:
    token = context.request_id.set("req-1")
    try:
        response = entity_response({"name": "Lamp"}, 3, now=NOW)
    finally:
        context.request_id.reset(token)

    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    assert response.headers["content-type"] == "application/json"
    assert orjson.loads(response.body) == {
        "data": {"name": "Lamp"},
        "request_id": "req-1",
        "timestamp": "2026-01-02T03:04:05.000000Z",
    }


def test_an_entity_response_adds_the_callers_headers_to_the_etag() -> None:
    response = entity_response({}, 1, now=NOW, status_code=201, headers={"Location": "/x/1"})

    assert response.status_code == 201
    assert (response.headers["etag"], response.headers["location"]) == ('"1"', "/x/1")


def test_not_modified_is_304_when_the_client_holds_the_current_version() -> None:
    response = not_modified(a_request(**{"If-None-Match": 'W/"2", "3"'}), 3)

    assert response is not None
    assert (response.status_code, response.headers["etag"], response.body) == (304, '"3"', b"")


def test_not_modified_is_none_for_another_version_or_no_header() -> None:
    assert not_modified(a_request(**{"If-None-Match": '"2"'}), 3) is None
    assert not_modified(a_request(), 3) is None
