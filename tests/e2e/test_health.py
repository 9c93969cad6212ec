"""Liveness and readiness, with the database up and with it unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.conftest import ClientFactory

# Nothing listens on port 1: every connection attempt is refused at once.
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"
# Words from the driver's or the OS's account of the failure; none may reach a client.
DRIVER_TEXT = ("refused", "errno", "connect call", "oserror", "asyncpg", "127.0.0.1", "nowhere")


@pytest.fixture
async def unreachable(client_for: ClientFactory) -> AsyncIterator[httpx2.AsyncClient]:
    """A client on an app whose database cannot be reached (it still starts)."""
    async with client_for(UNREACHABLE, migrate_on_start=False, db_pool_min_size=0) as client:
        yield client


async def test_liveness_is_200(client: httpx2.AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_is_200_when_the_database_answers(client: httpx2.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_liveness_does_not_depend_on_the_database(
    unreachable: httpx2.AsyncClient,
) -> None:
    assert (await unreachable.get("/health/live")).status_code == 200


async def test_readiness_is_a_503_problem_without_driver_text_when_the_database_is_down(
    unreachable: httpx2.AsyncClient,
) -> None:
    response = await unreachable.get("/health/ready", headers={"X-Request-ID": "ready-1"})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {k: body[k] for k in ("status", "instance", "request_id")} == {
        "status": 503,
        "instance": "/health/ready",
        "request_id": "ready-1",
    }
    assert not [word for word in DRIVER_TEXT if word in response.text.lower()]


@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        ("GET", "/api/v1/items", None),
        ("POST", "/api/v1/items", {"name": "Lamp", "price": 1, "quantity": 1}),
        ("GET", "/api/v1/items/0190c4d2-5b3c-7000-8000-000000000000", None),
    ],
)
async def test_an_items_request_is_a_503_problem_with_retry_after_when_the_database_is_down(
    unreachable: httpx2.AsyncClient, method: str, path: str, document: object
) -> None:
    response = await unreachable.request(method, path, json=document)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert (body["status"], body["instance"]) == (503, path)
    assert body["request_id"] == response.headers["x-request-id"]
    assert not [word for word in DRIVER_TEXT if word in response.text.lower()]
