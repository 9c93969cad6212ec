"""Optimistic concurrency under truly concurrent requests, on each real database.

Requests are fired together with ``asyncio.gather`` on the in-process app, so
they interleave at every await: on PostgreSQL they run on separate pooled
connections (READ COMMITTED, compare-and-set ``UPDATE ... WHERE version``);
SQLite serializes writers (``BEGIN IMMEDIATE``). Either way exactly one
writer may win a given ``If-Match``, and no update is ever lost silently.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import databases
import httpx2

N = 10
ITEMS = "/api/v1/items"


async def create_item(client: httpx2.AsyncClient) -> tuple[str, str]:
    """A fresh item at version 1: its URL and ETag."""
    created = await client.post(ITEMS, json={"name": "Lamp", "price": "10.00", "quantity": 0})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["version"] == 1
    return created.headers["location"], created.headers["etag"]


async def current(client: httpx2.AsyncClient, url: str) -> dict[str, Any]:
    fetched = await client.get(url)
    assert fetched.status_code == 200, fetched.text
    data: dict[str, Any] = fetched.json()["data"]
    assert fetched.headers["etag"] == f'"{data["version"]}"'
    return data


def statuses(responses: list[httpx2.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def patches_racing(client: httpx2.AsyncClient, url: str, tag: str) -> list[httpx2.Response]:
    """N PATCHes sent at once, each with the same ``If-Match``."""
    return await asyncio.gather(
        *(
            client.patch(url, json={"quantity": n}, headers={"If-Match": tag})
            for n in range(1, N + 1)
        )
    )


def only_winner(responses: list[httpx2.Response], status: int) -> httpx2.Response:
    (winner,) = [response for response in responses if response.status_code == status]
    return winner


async def test_of_concurrent_patches_with_the_same_if_match_exactly_one_wins(
    client: httpx2.AsyncClient,
) -> None:
    url, tag = await create_item(client)
    responses = await patches_racing(client, url, tag)
    assert statuses(responses) == Counter({200: 1, 412: N - 1})
    winner = only_winner(responses, 200)
    assert winner.headers["etag"] == '"2"'
    for loser in responses:
        if loser.status_code == 412:
            assert loser.headers["content-type"].startswith("application/problem+json")
            assert loser.json()["status"] == 412
    final = await current(client, url)
    assert final["version"] == 2
    assert final == winner.json()["data"]


async def test_of_concurrent_replacements_with_the_same_if_match_exactly_one_wins(
    client: httpx2.AsyncClient,
) -> None:
    url, tag = await create_item(client)
    responses = await asyncio.gather(
        *(
            client.put(
                url,
                json={"name": f"Lamp {n}", "price": f"{n}.50", "quantity": n},
                headers={"If-Match": tag},
            )
            for n in range(1, N + 1)
        )
    )
    assert statuses(responses) == Counter({200: 1, 412: N - 1})
    winner = only_winner(responses, 200)
    assert winner.headers["etag"] == '"2"'
    final = await current(client, url)
    assert final["version"] == 2
    assert final == winner.json()["data"]
    assert final["name"] == f"Lamp {final['quantity']}"


async def test_of_concurrent_deletes_with_the_same_if_match_exactly_one_deletes(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    """The losers see either the lost race (412) or, once the winner committed,
    a resource that is gone (404: RFC 9110 13.2.1 ignores preconditions when the
    unconditional answer would not be 2xx). Never a second 204."""
    url, tag = await create_item(client)
    responses = await asyncio.gather(
        *(client.delete(url, headers={"If-Match": tag}) for _ in range(N))
    )
    counted = statuses(responses)
    assert counted[204] == 1
    assert set(counted) <= {204, 404, 412}
    assert (await client.get(url)).status_code == 404
    rows = await database.fetch_all("SELECT version, deleted_at FROM items")
    assert len(rows) == 1
    assert rows[0][0] == 2
    assert rows[0][1] is not None


async def test_of_concurrent_patches_and_deletes_with_the_same_if_match_one_write_wins(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    url, tag = await create_item(client)
    half = N // 2
    responses = await asyncio.gather(
        *(
            client.patch(url, json={"quantity": n}, headers={"If-Match": tag})
            for n in range(1, half + 1)
        ),
        *(client.delete(url, headers={"If-Match": tag}) for _ in range(half)),
    )
    counted = statuses(responses)
    assert counted[200] + counted[204] == 1
    assert set(counted) <= {200, 204, 404, 412}
    rows = await database.fetch_all("SELECT version FROM items")
    assert [row[0] for row in rows] == [2]


async def test_without_if_match_concurrent_patches_never_lose_an_update_silently(
    client: httpx2.AsyncClient,
) -> None:
    """Each success is a distinct new version; a write that lost the race says so (409)."""
    url, _ = await create_item(client)
    responses = await asyncio.gather(
        *(client.patch(url, json={"quantity": n}) for n in range(1, N + 1))
    )
    counted = statuses(responses)
    assert set(counted) <= {200, 409}
    assert counted[200] >= 1
    succeeded = [response.json()["data"] for response in responses if response.status_code == 200]
    assert sorted(data["version"] for data in succeeded) == list(range(2, 2 + counted[200]))
    final = await current(client, url)
    assert final["version"] == 1 + counted[200]
    assert final == max(succeeded, key=lambda data: data["version"])
    for response in responses:
        if response.status_code == 409:
            assert response.json()["status"] == 409


async def test_after_a_race_the_winners_etag_is_the_one_that_works_next(
    client: httpx2.AsyncClient,
) -> None:
    url, tag = await create_item(client)
    responses = await patches_racing(client, url, tag)
    winner = only_winner(responses, 200)
    stale = await client.patch(url, json={"quantity": 99}, headers={"If-Match": tag})
    assert stale.status_code == 412
    fresh = await client.patch(
        url, json={"quantity": 99}, headers={"If-Match": winner.headers["etag"]}
    )
    assert fresh.status_code == 200
    assert fresh.json()["data"]["version"] == 3
