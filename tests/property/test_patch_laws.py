"""Laws of PATCH (JSON merge patch) over HTTP, on the real app and each real database.

Every example creates its own item, so examples never see each other's rows.
The stored row is read with plain SQL next to the API, to prove what was (or
was not) written, not only what the API says.
"""

from __future__ import annotations

from typing import Any

import databases
import httpx2
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import (
    WRITABLE_FIELDS,
    input_payloads,
    invalid_patches,
    json_body,
    patches,
    rendered_price,
)

ITEMS_URL = "/api/v1/items"
PATCH_TYPES = st.sampled_from(["application/merge-patch+json", "application/json"])


async def _create(client: httpx2.AsyncClient, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        ITEMS_URL, content=json_body(payload), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def _patch(
    client: httpx2.AsyncClient,
    entity_id: str,
    patch: dict[str, Any],
    content_type: str = "application/merge-patch+json",
) -> httpx2.Response:
    return await client.patch(
        f"{ITEMS_URL}/{entity_id}", content=json_body(patch), headers={"content-type": content_type}
    )


async def _row(database: databases.Database, entity_id: str) -> dict[str, Any]:
    """The stored row exactly as the driver returns it, soft-deleted or not."""
    row = await database.fetch_one(
        "SELECT * FROM items WHERE CAST(id AS TEXT) = :id", {"id": entity_id}
    )
    assert row is not None
    return dict(row)


def _shown(field: str, value: Any) -> Any:
    return rendered_price(value) if field == "price" else value


@settings(max_examples=25)
@given(payload=input_payloads(), content_type=PATCH_TYPES)
async def test_an_empty_patch_returns_the_same_entity_and_writes_nothing(
    client: httpx2.AsyncClient,
    database: databases.Database,
    payload: dict[str, Any],
    content_type: str,
) -> None:
    created = await _create(client, payload)
    row_before = await _row(database, created["id"])

    response = await _patch(client, created["id"], {}, content_type)

    assert response.status_code == 200, response.text
    assert response.json()["data"] == created
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert await _row(database, created["id"]) == row_before


@settings(max_examples=25)
@given(payload=input_payloads(), patch=patches(), content_type=PATCH_TYPES)
async def test_a_patch_then_a_get_returns_the_patched_entity(
    client: httpx2.AsyncClient, payload: dict[str, Any], patch: dict[str, Any], content_type: str
) -> None:
    created = await _create(client, payload)
    expected = {**created, **{field: _shown(field, value) for field, value in patch.items()}}
    changed = any(expected[field] != created[field] for field in WRITABLE_FIELDS)

    patched = await _patch(client, created["id"], patch, content_type)
    fetched = await client.get(f"{ITEMS_URL}/{created['id']}")

    assert patched.status_code == 200, patched.text
    assert fetched.status_code == 200
    data = fetched.json()["data"]
    assert data == patched.json()["data"]
    assert {field: data[field] for field in WRITABLE_FIELDS} == {
        field: expected[field] for field in WRITABLE_FIELDS
    }
    assert (data["id"], data["created_at"]) == (created["id"], created["created_at"])
    assert data["version"] == created["version"] + (1 if changed else 0)
    assert fetched.headers["etag"] == patched.headers["etag"] == f'"{data["version"]}"'
    if not changed:
        assert data["updated_at"] == created["updated_at"]


@settings(max_examples=25)
@given(payload=input_payloads(), case=invalid_patches(), content_type=PATCH_TYPES)
async def test_an_invalid_patch_is_422_naming_the_field_and_leaves_the_row_untouched(
    client: httpx2.AsyncClient,
    database: databases.Database,
    payload: dict[str, Any],
    case: tuple[dict[str, Any], str],
    content_type: str,
) -> None:
    patch, field = case
    created = await _create(client, payload)
    url = f"{ITEMS_URL}/{created['id']}"
    shown_before = await client.get(url)
    row_before = await _row(database, created["id"])

    response = await _patch(client, created["id"], patch, content_type)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    shown_after = await client.get(url)
    assert shown_after.json()["data"] == shown_before.json()["data"]
    assert shown_after.headers["etag"] == shown_before.headers["etag"]
    assert await _row(database, created["id"]) == row_before
