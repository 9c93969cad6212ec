"""Cross-cutting headers: X-Request-ID and the security headers (API.md)."""

from __future__ import annotations

import re
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
MISSING = f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000"
SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


class _BrokenUnitOfWork:
    def atomically(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError("secret internal detail")

    def reading(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError("secret internal detail")

    def snapshot(self, _work: object) -> FutureResult[Any, AppError]:
        raise RuntimeError("secret internal detail")


def _break_storage(container: Container) -> None:
    @provides(container)
    def _broken(_: Container) -> UnitOfWork:
        return _BrokenUnitOfWork()


# -- X-Request-ID --------------------------------------------------------------------


@pytest.mark.parametrize("request_id", ["abc", "A.b_c-9", "x" * 128, "7", "..."])
async def test_a_sane_request_id_is_echoed(client: httpx2.AsyncClient, request_id: str) -> None:
    response = await client.get(ITEMS, headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["has spaces", "x" * 129, "", "a/b", "<script>", "semi;colon", "tab\there", "caf\u00e9"],
)
async def test_an_unsafe_request_id_is_replaced_by_a_sane_one(
    client: httpx2.AsyncClient, request_id: str
) -> None:
    response = await client.get(ITEMS, headers={b"X-Request-ID": request_id.encode()})

    replaced = response.headers["x-request-id"]
    assert replaced != request_id
    assert SANE.fullmatch(replaced)


async def test_a_request_without_an_id_gets_a_fresh_one_each_time(
    client: httpx2.AsyncClient,
) -> None:
    first = (await client.get(ITEMS)).headers["x-request-id"]
    second = (await client.get(ITEMS)).headers["x-request-id"]

    assert SANE.fullmatch(first)
    assert first != second


async def test_the_envelope_carries_the_request_id(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        ITEMS, json={"name": "Lamp", "price": 1, "quantity": 1}, headers={"X-Request-ID": "r-1"}
    )

    assert response.headers["x-request-id"] == "r-1"
    assert response.json()["request_id"] == "r-1"


@pytest.mark.parametrize("sent", ["problem-1", "bad id"])
@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("GET", MISSING, None),
        ("GET", "/nowhere", None),
        ("DELETE", ITEMS, None),
        ("POST", ITEMS, b"{"),
        ("POST", ITEMS, b"{}"),
        ("GET", f"{ITEMS}?size=0", None),
    ],
)
async def test_a_problem_carries_the_request_id_in_header_and_body(
    client: httpx2.AsyncClient, sent: str, method: str, path: str, content: bytes | None
) -> None:
    response = await client.request(
        method,
        path,
        content=content,
        headers={"X-Request-ID": sent, "Content-Type": "application/json"},
    )

    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert SANE.fullmatch(response.headers["x-request-id"])
    assert (response.headers["x-request-id"] == sent) is (sent == "problem-1")


async def test_a_413_carries_the_request_id(database_url: str, client_for: ClientFactory) -> None:
    async with client_for(database_url, max_body_bytes=10) as client:
        response = await client.post(
            ITEMS, json={"name": "Lamp", "price": 1, "quantity": 1}, headers={"X-Request-ID": "big"}
        )

    assert response.status_code == 413
    assert response.headers["x-request-id"] == "big"
    assert response.json()["request_id"] == "big"


async def test_a_500_carries_the_request_id_in_header_and_body(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, overrides=_break_storage) as client:
        response = await client.get(ITEMS, headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "crash-1"
    assert response.json()["request_id"] == "crash-1"


# -- security headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ITEMS),
        ("GET", MISSING),
        ("GET", "/nowhere"),
        ("DELETE", ITEMS),
        ("POST", ITEMS),
        ("GET", "/health/live"),
    ],
)
async def test_security_headers_are_on_every_response(
    client: httpx2.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert {name: response.headers.get(name) for name in SECURITY} == SECURITY


async def test_security_headers_are_on_a_304(client: httpx2.AsyncClient) -> None:
    created = await client.post(ITEMS, json={"name": "Lamp", "price": 1, "quantity": 1})

    response = await client.get(
        created.headers["location"], headers={"If-None-Match": created.headers["etag"]}
    )

    assert response.status_code == 304
    assert {name: response.headers.get(name) for name in SECURITY} == SECURITY


async def test_security_headers_are_on_a_500(database_url: str, client_for: ClientFactory) -> None:
    async with client_for(database_url, overrides=_break_storage) as client:
        response = await client.get(ITEMS)

    assert response.status_code == 500
    assert {name: response.headers.get(name) for name in SECURITY} == SECURITY


async def test_hsts_is_absent_by_default(client: httpx2.AsyncClient) -> None:
    response = await client.get(ITEMS)

    assert "strict-transport-security" not in response.headers


async def test_hsts_is_sent_when_configured(database_url: str, client_for: ClientFactory) -> None:
    async with client_for(database_url, hsts_max_age_seconds=31_536_000) as client:
        ok = await client.get(ITEMS)
        missing = await client.get(MISSING)

    assert ok.headers["strict-transport-security"].startswith("max-age=31536000")
    assert missing.headers["strict-transport-security"] == ok.headers["strict-transport-security"]
