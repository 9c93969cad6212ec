"""The life of an item over HTTP, through the real app, on every backend (API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
LAMP = {"name": "Lamp", "description": "A desk lamp", "price": "12.5", "quantity": 3}
DESK = {"name": "Desk", "price": "99.99", "quantity": 1}
# A request body per write method, and the status a successful one answers.
WRITES: dict[str, tuple[dict[str, Any], int]] = {
    "PUT": ({"json": DESK}, 200),
    "PATCH": ({"json": {"quantity": 9}}, 200),
    "DELETE": ({}, 204),
}


async def _create(client: httpx2.AsyncClient, **fields: Any) -> httpx2.Response:
    response = await client.post(ITEMS, json={**LAMP, **fields})
    assert response.status_code == 201, response.text
    return response


async def _assert_refused_and_unchanged(
    client: httpx2.AsyncClient,
    response: httpx2.Response,
    status: int,
    created: httpx2.Response,
) -> None:
    """A problem with ``status``, and the stored item exactly as it was created."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    unchanged = await client.get(created.headers["location"])
    assert unchanged.json()["data"] == created.json()["data"]


# -- create --------------------------------------------------------------------------


async def test_creating_an_item_answers_201_with_location_etag_and_envelope(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(ITEMS, json=LAMP, headers={"X-Request-ID": "create-1"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"data", "request_id", "timestamp"}
    assert body["request_id"] == "create-1"
    assert datetime.fromisoformat(body["timestamp"]).utcoffset() == timedelta(0)
    item = body["data"]
    assert response.headers["location"] == f"{ITEMS}/{item['id']}"
    assert response.headers["etag"] == '"1"'
    assert {k: item[k] for k in ("name", "description", "quantity")} == {
        "name": "Lamp",
        "description": "A desk lamp",
        "quantity": 3,
    }
    assert set(item) == {
        "id",
        "name",
        "description",
        "price",
        "quantity",
        "created_at",
        "updated_at",
        "version",
    }


async def test_a_new_item_has_version_1_a_uuid7_id_and_equal_timestamps(
    client: httpx2.AsyncClient,
) -> None:
    item = (await _create(client)).json()["data"]

    assert item["version"] == 1
    assert uuid.UUID(item["id"]).version == 7
    assert item["created_at"] == item["updated_at"]
    assert item["created_at"].endswith("Z")
    assert datetime.fromisoformat(item["created_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("sent", "returned"),
    [(12.5, "12.50"), ("12.5", "12.50"), (7, "7.00"), ("0.01", "0.01"), (1234.56, "1234.56")],
)
async def test_price_is_returned_as_a_string_with_two_decimals(
    client: httpx2.AsyncClient, sent: object, returned: str
) -> None:
    created = await _create(client, price=sent)
    fetched = await client.get(created.headers["location"])

    assert created.json()["data"]["price"] == returned
    assert fetched.json()["data"]["price"] == returned


async def test_description_may_be_omitted_and_is_then_null(client: httpx2.AsyncClient) -> None:
    response = await client.post(ITEMS, json=DESK)

    assert response.status_code == 201
    assert response.json()["data"]["description"] is None


# -- read ----------------------------------------------------------------------------


async def test_a_created_item_can_be_read_back_with_its_etag(client: httpx2.AsyncClient) -> None:
    created = await _create(client)

    fetched = await client.get(created.headers["location"])

    assert fetched.status_code == 200
    assert fetched.headers["etag"] == created.headers["etag"]
    assert fetched.json()["data"] == created.json()["data"]
    assert set(fetched.json()) == {"data", "request_id", "timestamp"}


@pytest.mark.parametrize("if_none_match", ['"1"', "*", 'W/"1"', '"7", "1"'])
async def test_if_none_match_on_the_current_tag_answers_304_with_an_empty_body(
    client: httpx2.AsyncClient, if_none_match: str
) -> None:
    location = (await _create(client)).headers["location"]

    response = await client.get(location, headers={"If-None-Match": if_none_match})

    assert response.status_code == 304
    assert response.headers["etag"] == '"1"'
    assert response.content == b""


@pytest.mark.parametrize("if_none_match", ['"2"', '"0"', "garbage"])
async def test_if_none_match_on_another_tag_answers_200(
    client: httpx2.AsyncClient, if_none_match: str
) -> None:
    location = (await _create(client)).headers["location"]

    response = await client.get(location, headers={"If-None-Match": if_none_match})

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["data"]["name"] == "Lamp"


async def test_an_item_read_after_a_write_is_not_matched_by_its_old_etag(
    client: httpx2.AsyncClient,
) -> None:
    created = await _create(client)
    await client.patch(created.headers["location"], json={"quantity": 4})

    response = await client.get(
        created.headers["location"], headers={"If-None-Match": created.headers["etag"]}
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'


# -- list ----------------------------------------------------------------------------


async def test_lists_are_paginated_in_creation_order(client: httpx2.AsyncClient) -> None:
    ids = [(await _create(client, name=f"item {n}")).json()["data"]["id"] for n in range(5)]

    first = await client.get(ITEMS, params={"page": 1, "size": 2})
    last = await client.get(ITEMS, params={"page": 3, "size": 2})

    assert first.status_code == 200
    assert first.json() == {
        "items": first.json()["items"],
        "total": 5,
        "page": 1,
        "size": 2,
        "pages": 3,
        "has_next": True,
        "has_previous": False,
    }
    assert [item["id"] for item in first.json()["items"]] == ids[:2]
    assert [item["id"] for item in last.json()["items"]] == ids[4:]
    assert (last.json()["has_next"], last.json()["has_previous"]) == (False, True)


async def test_listed_items_look_like_fetched_items(client: httpx2.AsyncClient) -> None:
    created = (await _create(client)).json()["data"]

    listed = (await client.get(ITEMS)).json()

    assert listed["items"] == [created]
    assert (listed["page"], listed["size"], listed["total"], listed["pages"]) == (1, 20, 1, 1)


async def test_a_page_past_the_end_is_empty_not_an_error(client: httpx2.AsyncClient) -> None:
    await _create(client)

    response = await client.get(ITEMS, params={"page": 5, "size": 10})

    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "total": 1,
        "page": 5,
        "size": 10,
        "pages": 1,
        "has_next": False,
        "has_previous": True,
    }


async def test_an_empty_collection_lists_as_zero_pages(client: httpx2.AsyncClient) -> None:
    response = await client.get(ITEMS)

    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "size": 20,
        "pages": 0,
        "has_next": False,
        "has_previous": False,
    }


# -- replace -------------------------------------------------------------------------


async def test_put_replaces_every_field_and_bumps_version_and_etag(
    client: httpx2.AsyncClient,
) -> None:
    created = await _create(client)
    before = created.json()["data"]

    response = await client.put(created.headers["location"], json={**DESK, "description": "Oak"})

    assert response.status_code == 200
    after = response.json()["data"]
    assert {k: after[k] for k in ("id", "name", "description", "price", "quantity")} == {
        "id": before["id"],
        "name": "Desk",
        "description": "Oak",
        "price": "99.99",
        "quantity": 1,
    }
    assert after["version"] == 2
    assert response.headers["etag"] == '"2"' != created.headers["etag"]
    assert after["created_at"] == before["created_at"]
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        before["updated_at"]
    )
    assert (await client.get(created.headers["location"])).json()["data"] == after


async def test_put_without_description_sets_it_to_null(client: httpx2.AsyncClient) -> None:
    location = (await _create(client)).headers["location"]

    response = await client.put(location, json=DESK)

    assert response.status_code == 200
    assert response.json()["data"]["description"] is None


async def test_an_identical_put_writes_nothing(client: httpx2.AsyncClient) -> None:
    created = await _create(client)

    response = await client.put(created.headers["location"], json=LAMP)

    assert response.status_code == 200
    assert response.json()["data"] == created.json()["data"]
    assert response.headers["etag"] == created.headers["etag"]
    assert (await client.get(created.headers["location"])).json()["data"]["version"] == 1


# -- patch ---------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "application/json"])
async def test_patch_changes_only_the_named_fields(
    client: httpx2.AsyncClient, content_type: str
) -> None:
    created = await _create(client)
    before = created.json()["data"]

    response = await client.patch(
        created.headers["location"],
        content=b'{"quantity": 10, "price": 13}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 200
    after = response.json()["data"]
    assert after == {
        **before,
        "quantity": 10,
        "price": "13.00",
        "version": 2,
        "updated_at": after["updated_at"],
    }
    assert after["updated_at"] != before["updated_at"]
    assert response.headers["etag"] == '"2"'


async def test_patching_description_to_null_clears_it(client: httpx2.AsyncClient) -> None:
    location = (await _create(client)).headers["location"]

    response = await client.patch(
        location,
        json={"description": None},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["description"] is None
    assert (await client.get(location)).json()["data"]["description"] is None


@pytest.mark.parametrize("patch", [{}, {"name": "Lamp"}, {"price": 12.50}])
async def test_a_patch_that_changes_nothing_writes_nothing(
    client: httpx2.AsyncClient, patch: dict[str, Any]
) -> None:
    created = await _create(client)

    response = await client.patch(created.headers["location"], json=patch)

    assert response.status_code == 200
    assert response.json()["data"] == created.json()["data"]
    assert response.headers["etag"] == '"1"'
    assert (await client.get(created.headers["location"])).json()["data"]["version"] == 1


# -- preconditions -------------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("required", [False, True], ids=["optional", "required"])
async def test_a_write_with_the_current_if_match_succeeds(
    database_url: str,
    client_for: ClientFactory,
    method: str,
    required: bool,  # noqa: FBT001 - a parameter, not a flag
) -> None:
    async with client_for(database_url, require_if_match=required) as client:
        created = await _create(client)
        request, status = WRITES[method]

        response = await client.request(
            method,
            created.headers["location"],
            headers={"If-Match": created.headers["etag"]},
            **request,
        )

        assert response.status_code == status, response.text


@pytest.mark.parametrize("method", WRITES)
async def test_a_write_with_if_match_star_succeeds(client: httpx2.AsyncClient, method: str) -> None:
    location = (await _create(client)).headers["location"]
    request, status = WRITES[method]

    response = await client.request(method, location, headers={"If-Match": "*"}, **request)

    assert response.status_code == status, response.text


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("if_match", ['"2"', 'W/"1"', '"0"'])
async def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(
    client: httpx2.AsyncClient, method: str, if_match: str
) -> None:
    created = await _create(client)
    request, _ = WRITES[method]

    response = await client.request(
        method, created.headers["location"], headers={"If-Match": if_match}, **request
    )

    await _assert_refused_and_unchanged(client, response, 412, created)


@pytest.mark.parametrize("method", WRITES)
async def test_writes_without_if_match_are_428_when_it_is_required(
    database_url: str, client_for: ClientFactory, method: str
) -> None:
    async with client_for(database_url, require_if_match=True) as client:
        created = await _create(client)
        request, _ = WRITES[method]

        response = await client.request(method, created.headers["location"], **request)

        await _assert_refused_and_unchanged(client, response, 428, created)


# -- delete --------------------------------------------------------------------------


async def test_a_deleted_item_is_gone_for_every_method(client: httpx2.AsyncClient) -> None:
    location = (await _create(client)).headers["location"]

    deleted = await client.delete(location)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(location)).status_code == 404
    assert (await client.delete(location)).status_code == 404
    assert (await client.patch(location, json={"quantity": 1})).status_code == 404
    assert (await client.put(location, json=DESK)).status_code == 404


async def test_a_deleted_item_is_no_longer_listed(client: httpx2.AsyncClient) -> None:
    kept = (await _create(client, name="kept")).json()["data"]
    gone = await _create(client, name="gone")

    await client.delete(gone.headers["location"])

    listed = (await client.get(ITEMS)).json()
    assert listed["items"] == [kept]
    assert listed["total"] == 1
