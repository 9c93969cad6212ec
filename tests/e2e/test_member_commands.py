"""A member command declared on a resource, driven over HTTP on every adapter.

The resource here is a test-only twin of ``items`` with two commands (the
public items API has none): ``discount`` takes ``{"percent": 10}`` and lowers
the price; ``sell-out`` takes no input and sets the quantity to 0. The app is
the service as ``my_api.bootstrap`` builds it from a catalog holding that
resource, with the unit of work of the adapter under test bound in its place.
docs/composing-pipelines.md quotes this file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP
from pathlib import Path
from typing import Any

import attrs
import httpx2
import pytest
from lagom import Container
from returns.future import FutureResult
from starlette.applications import Starlette

from my_api.application.catalog import Resources
from my_api.application.items import ITEMS
from my_api.bootstrap import build_container, create_app, provides
from my_api.domain.item import Item
from my_api.kernel.bus import Writing
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.member_command import MemberCommand, NoInput
from my_api.kernel.rules import CENT, integer
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import Settings
from tests.conftest import Adapter

# -- the declaration ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Discount:
    """The body of ``POST /api/v1/items/{id}/discount``."""

    percent: int = attrs.field(validator=integer(minimum=1, maximum=100))


def discounted(_: Writing, item: Item, discount: Discount) -> FutureResult[Emitted[Item], AppError]:
    """The price less ``percent``, to the cent; validated like a PATCH (a price of 0 is 422)."""
    price = (item.price * (100 - discount.percent) / 100).quantize(CENT, ROUND_HALF_UP)
    return FutureResult.from_result(ITEMS.patched(item, {"price": price})).map(Emitted)


def sold_out(_: Writing, item: Item, _input: NoInput) -> FutureResult[Emitted[Item], AppError]:
    return FutureResult.from_value(Emitted(attrs.evolve(item, quantity=0)))


DISCOUNTABLE_ITEMS = attrs.evolve(
    ITEMS,
    commands=(
        MemberCommand("discount", Discount, discounted, event="discounted"),
        MemberCommand("sell-out", NoInput, sold_out, event="sold_out"),
    ),
)

# -- the app -------------------------------------------------------------------------------


def app_serving(uow: UnitOfWork, unused_database: Path, **settings: Any) -> Starlette:
    """The service as the composition root builds it, serving DISCOUNTABLE_ITEMS on ``uow``.

    Its lifespan is not run (the adapter fixture owns the storage), so the SQLite
    file named in the settings is never opened.
    """
    container = build_container(
        Settings(database_url=f"sqlite:///{unused_database}", access_log=False, **settings),
        resources=Resources((DISCOUNTABLE_ITEMS,)),
    ).clone()

    @provides(container)
    def _the_adapter_under_test(_: Container) -> UnitOfWork:
        return uow

    return create_app(container)


async def _client(app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def client(adapter: Adapter, tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    async for http in _client(app_serving(adapter.unit_of_work, tmp_path / "unused.db")):
        yield http


@pytest.fixture
async def strict_client(adapter: Adapter, tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    """A server that requires ``If-Match`` on writes."""
    app = app_serving(adapter.unit_of_work, tmp_path / "unused.db", require_if_match=True)
    async for http in _client(app):
        yield http


LAMP = {"name": "Lamp", "price": "12.50", "quantity": 3}


async def a_lamp(client: httpx2.AsyncClient) -> str:
    """A new item at version 1; its URL."""
    created = await client.post("/api/v1/items", json=LAMP)
    assert created.status_code == 201, created.text
    location: str = created.headers["location"]
    return location


async def stored(client: httpx2.AsyncClient, url: str) -> dict[str, Any]:
    fetched = await client.get(url)
    assert fetched.status_code == 200, fetched.text
    data: dict[str, Any] = fetched.json()["data"]
    return data


def problem_fields(response: httpx2.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {error["field"]: error["code"] for error in response.json().get("errors", [])}


# -- success -------------------------------------------------------------------------------


async def test_a_command_answers_200_with_the_entity_envelope_and_the_new_etag(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await a_lamp(client)

    response = await client.post(
        f"{lamp}/discount", json={"percent": 10}, headers={"X-Request-ID": "discount-1"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "request_id", "timestamp"}
    assert body["request_id"] == "discount-1"
    assert body["data"]["price"] == "11.25"
    assert body["data"]["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert await stored(client, lamp) == body["data"]


async def test_a_command_keeps_what_it_does_not_change_and_stamps_the_write(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await a_lamp(client)
    before = await stored(client, lamp)

    after = (await client.post(f"{lamp}/discount", json={"percent": 50})).json()["data"]

    assert after["price"] == "6.25"
    unchanged = {"id", "name", "description", "quantity", "created_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert after["updated_at"] > before["updated_at"]


async def test_a_command_without_input_is_sent_without_a_body(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await a_lamp(client)

    response = await client.post(f"{lamp}/sell-out")

    assert response.status_code == 200, response.text
    assert response.json()["data"]["quantity"] == 0
    assert response.headers["etag"] == '"2"'


async def test_a_matching_if_match_lets_the_command_through(client: httpx2.AsyncClient) -> None:
    lamp = await a_lamp(client)

    response = await client.post(
        f"{lamp}/discount", json={"percent": 20}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["price"] == "10.00"


# -- refusals ------------------------------------------------------------------------------


async def test_a_stale_if_match_is_412_and_changes_nothing(client: httpx2.AsyncClient) -> None:
    lamp = await a_lamp(client)
    await client.post(f"{lamp}/sell-out")
    before = await stored(client, lamp)

    response = await client.post(
        f"{lamp}/discount", json={"percent": 10}, headers={"If-Match": '"1"'}
    )

    problem_fields(response, 412)
    assert await stored(client, lamp) == before


async def test_a_server_that_requires_if_match_answers_428_without_one(
    strict_client: httpx2.AsyncClient,
) -> None:
    lamp = await a_lamp(strict_client)

    response = await strict_client.post(f"{lamp}/discount", json={"percent": 10})

    problem_fields(response, 428)
    assert (await stored(strict_client, lamp))["version"] == 1


@pytest.mark.parametrize("entity_id", ["0190a8f4-0000-7000-8000-000000000000", "not-a-uuid"])
async def test_an_unknown_or_malformed_id_is_404(
    client: httpx2.AsyncClient, entity_id: str
) -> None:
    response = await client.post(f"/api/v1/items/{entity_id}/discount", json={"percent": 10})

    problem_fields(response, 404)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"percent": 0}, "percent", "out_of_range"),
        ({"percent": "10"}, "percent", "type"),
        ({}, "percent", "required"),
        ({"percent": 10, "reason": "sale"}, "reason", "unknown_field"),
    ],
)
async def test_input_the_command_dto_refuses_is_422_naming_the_field(
    client: httpx2.AsyncClient, body: dict[str, Any], field: str, code: str
) -> None:
    lamp = await a_lamp(client)

    response = await client.post(f"{lamp}/discount", json=body)

    assert problem_fields(response, 422) == {field: code}
    assert (await stored(client, lamp))["version"] == 1


async def test_a_next_state_the_entity_rules_refuse_is_422_and_changes_nothing(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await a_lamp(client)

    response = await client.post(f"{lamp}/discount", json={"percent": 100})

    assert problem_fields(response, 422) == {"price": "out_of_range"}
    after = await stored(client, lamp)
    assert (after["price"], after["version"]) == ("12.50", 1)


async def test_a_body_that_is_not_json_is_415(client: httpx2.AsyncClient) -> None:
    lamp = await a_lamp(client)

    response = await client.post(
        f"{lamp}/discount", content=b"percent=10", headers={"Content-Type": "text/plain"}
    )

    problem_fields(response, 415)


async def test_a_command_path_allows_post_only(client: httpx2.AsyncClient) -> None:
    lamp = await a_lamp(client)

    response = await client.get(f"{lamp}/discount")

    problem_fields(response, 405)
    assert response.headers["allow"] == "POST"


async def test_an_undeclared_command_is_404(client: httpx2.AsyncClient) -> None:
    lamp = await a_lamp(client)

    response = await client.post(f"{lamp}/restock", json={})

    problem_fields(response, 404)
