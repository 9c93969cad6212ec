from __future__ import annotations

import httpx2


async def test_a_created_item_can_be_read_back(client: httpx2.AsyncClient) -> None:
    created = await client.post(
        "/api/v1/items", json={"name": "Lamp", "price": "12.5", "quantity": 3}
    )
    assert created.status_code == 201
    fetched = await client.get(created.headers["location"])
    assert fetched.json()["data"] == created.json()["data"]
