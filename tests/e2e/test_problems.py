"""Every failure is an RFC 9457 problem with the status API.md maps it to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from lagom import Container
from returns.future import FutureResult

from my_api.bootstrap import provides
from my_api.kernel.errors import AppError
from my_api.kernel.unit_of_work import UnitOfWork
from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
VALID = {"name": "Lamp", "description": None, "price": "12.50", "quantity": 3}
JSON = {"Content-Type": "application/json"}
SECRET = "secret internal detail"


def _problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    """The problem document, once it is shown to be one of ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance", "request_id"} <= set(body)
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    assert all(isinstance(body[key], str) and body[key] for key in ("type", "title", "detail"))
    return body


def _errors(body: dict[str, Any]) -> dict[str, str]:
    """field -> code, asserting each error has exactly a field, a message and a code."""
    assert all(set(error) == {"field", "message", "code"} for error in body["errors"])
    assert all(error["message"] for error in body["errors"])
    return {error["field"]: error["code"] for error in body["errors"]}


# -- 422 invalid values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "", "too_short"),
        ("name", "x" * 256, "too_long"),
        ("name", "nul\x00char", "invalid_character"),
        ("name", 123, "type"),
        ("price", 0, "out_of_range"),
        ("price", "-1.00", "out_of_range"),
        ("price", -5, "out_of_range"),
        ("price", "1.234", "too_precise"),
        ("price", 1.005, "too_precise"),
        ("price", "12345678901", "out_of_range"),
        ("price", 12345678901, "out_of_range"),
        ("price", "abc", "type"),
        ("price", True, "type"),
        ("price", None, "type"),
        ("quantity", -1, "out_of_range"),
        ("quantity", 1.5, "type"),
        ("quantity", "3", "type"),
        ("quantity", 2**31, "out_of_range"),
        ("description", "d" * 1001, "too_long"),
    ],
)
async def test_an_invalid_value_is_422_naming_the_field(
    client: httpx2.AsyncClient, field: str, value: object, code: str
) -> None:
    response = await client.post(ITEMS, json={**VALID, field: value})

    body = _problem(response, 422)
    assert _errors(body) == {field: code}
    assert (await client.get(ITEMS)).json()["total"] == 0


async def test_the_largest_and_smallest_valid_values_are_accepted(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        ITEMS,
        json={
            "name": "x" * 255,
            "description": "d" * 1000,
            "price": "9999999999.99",
            "quantity": 0,
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["data"]["price"] == "9999999999.99"


async def test_every_invalid_field_is_reported_at_once(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        ITEMS,
        json={"name": "", "description": "d" * 1001, "price": "abc", "quantity": -1, "colour": 1},
    )

    body = _problem(response, 422)
    assert _errors(body) == {
        "name": "too_short",
        "description": "too_long",
        "price": "type",
        "quantity": "out_of_range",
        "colour": "unknown_field",
    }


async def test_an_unknown_field_is_422_unknown_field(client: httpx2.AsyncClient) -> None:
    response = await client.post(ITEMS, json={**VALID, "id": "x", "version": 7})

    assert _errors(_problem(response, 422)) == {"id": "unknown_field", "version": "unknown_field"}


async def test_missing_required_fields_are_422_required(client: httpx2.AsyncClient) -> None:
    response = await client.post(ITEMS, json={"description": "only this"})

    assert _errors(_problem(response, 422)) == {
        "name": "required",
        "price": "required",
        "quantity": "required",
    }


@pytest.mark.parametrize(
    ("method", "document"),
    [
        ("PUT", {"name": "Lamp", "price": "0", "quantity": "3"}),
        ("PATCH", {"price": "0", "quantity": "3"}),
    ],
)
async def test_an_invalid_write_is_422_and_changes_nothing(
    client: httpx2.AsyncClient, method: str, document: dict[str, Any]
) -> None:
    created = await client.post(ITEMS, json=VALID)
    location = created.headers["location"]

    response = await client.request(method, location, json=document)

    assert _errors(_problem(response, 422)) == {"price": "out_of_range", "quantity": "type"}
    assert (await client.get(location)).json()["data"] == created.json()["data"]


async def test_a_patch_cannot_remove_a_required_field(client: httpx2.AsyncClient) -> None:
    location = (await client.post(ITEMS, json=VALID)).headers["location"]

    response = await client.patch(location, json={"name": None, "colour": "red"})

    assert _errors(_problem(response, 422)) == {"name": "required", "colour": "unknown_field"}


# -- 400 unreadable bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"name": "Lamp", ', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'"Lamp"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b'{"name": "a", "name": "b", "price": 1, "quantity": 1}', id="dup-keys"),
        pytest.param(b'{"name": "a", "price": NaN, "quantity": 1}', id="nan"),
        pytest.param(b'{"name": "a", "price": Infinity, "quantity": 1}', id="infinity"),
        pytest.param(b'{"name": "\xff", "price": 1, "quantity": 1}', id="not-utf8"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_a_body_that_is_not_one_json_object_is_400(
    client: httpx2.AsyncClient, raw: bytes, method: str
) -> None:
    url = ITEMS
    if method != "POST":
        url = (await client.post(ITEMS, json=VALID)).headers["location"]

    response = await client.request(method, url, content=raw, headers=JSON)

    body = _problem(response, 400)
    assert "errors" not in body


# -- 415 media types -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "content_type"),
    [
        ("POST", "text/plain"),
        ("POST", None),
        ("POST", "application/merge-patch+json"),
        ("POST", "application/json; charset=latin-1"),
        ("PUT", "text/plain"),
        ("PUT", "application/merge-patch+json"),
        ("PATCH", "text/plain"),
        ("PATCH", None),
    ],
)
async def test_an_unsupported_content_type_is_415(
    client: httpx2.AsyncClient, method: str, content_type: str | None
) -> None:
    url = ITEMS
    if method != "POST":
        url = (await client.post(ITEMS, json=VALID)).headers["location"]
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = await client.request(method, url, content=b'{"quantity": 1}', headers=headers)

    _problem(response, 415)


async def test_json_with_a_utf8_charset_is_accepted(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        ITEMS,
        content=b'{"name": "Lamp", "price": 1, "quantity": 1}',
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )

    assert response.status_code == 201, response.text


# -- 413 body limit ------------------------------------------------------------------


async def test_a_declared_body_over_the_limit_is_413(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, max_body_bytes=100) as client:
        response = await client.post(ITEMS, json={**VALID, "description": "d" * 200})

        _problem(response, 413)
        assert (await client.get(ITEMS)).json()["total"] == 0


async def test_a_streamed_body_over_the_limit_is_413(
    database_url: str, client_for: ClientFactory
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "Lamp", "price": 1, "quantity": 1, "description": "'
        for _ in range(10):
            yield b"d" * 50
        yield b'"}'

    async with client_for(database_url, max_body_bytes=100) as client:
        response = await client.post(ITEMS, content=chunks(), headers=JSON)

        assert "content-length" not in response.request.headers
        _problem(response, 413)
        assert (await client.get(ITEMS)).json()["total"] == 0


async def test_a_body_within_the_limit_is_accepted(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, max_body_bytes=100) as client:
        response = await client.post(ITEMS, json={"name": "L", "price": 1, "quantity": 1})

        assert response.status_code == 201, response.text


# -- 404 / 405 -----------------------------------------------------------------------


@pytest.mark.parametrize("item_id", ["not-a-uuid", "123", "0190c4d2-zzzz-7000-8000-000000000000"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_a_malformed_id_in_the_path_is_a_404_problem(
    client: httpx2.AsyncClient, item_id: str, method: str
) -> None:
    document = None if method in {"GET", "DELETE"} else VALID

    response = await client.request(method, f"{ITEMS}/{item_id}", json=document)

    _problem(response, 404)


async def test_an_unknown_id_is_a_404_problem(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000")

    _problem(response, 404)


@pytest.mark.parametrize("path", ["/nowhere", "/api/v1/widgets", "/api/v2/items", f"{ITEMS}/a/b"])
async def test_an_unknown_route_is_a_404_problem(client: httpx2.AsyncClient, path: str) -> None:
    _problem(await client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", ITEMS),
        ("POST", f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000"),
        ("POST", "/health/live"),
    ],
)
async def test_a_wrong_method_is_a_405_problem_with_allow(
    client: httpx2.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    _problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert method not in response.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", ITEMS, {"GET", "HEAD", "POST"}),
        (
            "POST",
            f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000",
            {"GET", "HEAD", "PUT", "PATCH", "DELETE"},
        ),
    ],
)
async def test_a_405_allow_header_lists_every_method_of_the_resource(
    client: httpx2.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path)

    _problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


# -- 400 query parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("page=", "page"),
        ("size=0", "size"),
        ("size=101", "size"),
        ("size=x", "size"),
        ("size=1.5", "size"),
        ("page=1&page=2", "page"),
        ("colour=red", "colour"),
    ],
)
async def test_bad_paging_parameters_are_400_naming_the_parameter(
    client: httpx2.AsyncClient, query: str, parameter: str
) -> None:
    response = await client.get(f"{ITEMS}?{query}")

    assert set(_errors(_problem(response, 400))) == {parameter}


async def test_every_bad_query_parameter_is_reported_at_once(client: httpx2.AsyncClient) -> None:
    response = await client.get(ITEMS, params={"page": "0", "size": "500", "colour": "red"})

    assert set(_errors(_problem(response, 400))) == {"page", "size", "colour"}


@pytest.mark.parametrize("query", ["page=1&size=1", "size=100", "page=10000000"])
async def test_paging_parameters_at_their_bounds_are_accepted(
    client: httpx2.AsyncClient, query: str
) -> None:
    assert (await client.get(f"{ITEMS}?{query}")).status_code == 200


# -- 500 unexpected ------------------------------------------------------------------


class _BrokenUnitOfWork:
    """A unit of work that fails as a bug would: with an exception, not a value."""

    def atomically(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError(SECRET)

    def reading(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError(SECRET)

    def snapshot(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError(SECRET)


def _break_storage(container: Container) -> None:
    @provides(container)
    def _broken(_: Container) -> UnitOfWork:
        return _BrokenUnitOfWork()


@pytest.mark.parametrize(
    ("method", "path", "request_kwargs"),
    [
        ("POST", ITEMS, {"json": VALID}),
        ("GET", ITEMS, {}),
        ("GET", f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000", {}),
    ],
)
async def test_an_unexpected_exception_is_a_500_problem_without_internal_text(
    database_url: str,
    client_for: ClientFactory,
    method: str,
    path: str,
    request_kwargs: dict[str, Any],
) -> None:
    async with client_for(database_url, overrides=_break_storage) as client:
        response = await client.request(
            method, path, headers={"X-Request-ID": "req-500"}, **request_kwargs
        )

    body = _problem(response, 500)
    assert body["request_id"] == "req-500"
    assert SECRET not in response.text
    assert "RuntimeError" not in response.text
