"""Keyset walks over HTTP while other clients write to the table (SQLite and PostgreSQL).

A cursor holds the sort values of the boundary row, not a position, so a
walk is immune to writes elsewhere in the table:

- a row that existed before the walk is listed exactly once, in its place;
- a row inserted during the walk shows up if and only if it sorts beyond the
  boundary the walk had reached when it was inserted (ahead of a forward
  walk, behind a backward one), and then once;
- the walk as a whole is in sort order: a subsequence of the final listing;
- deleting rows that were already returned (the boundary row itself
  included) does not disturb the pages still to come.

Inserts are made between page fetches (the walk and the writer interleave
deterministically), with values that sort before the current position,
after it, and equal to the boundary row on every sort key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx2
import pytest

ITEMS = "/api/v1/items"
LIMIT = 4
MAX_PRICE = "9999999999.99"
# Per sort: field values that put a new row before any seeded row in that order, and
# values that put it after every seeded row.
Placement = tuple[dict[str, Any], dict[str, Any]]
PLACEMENTS: dict[str, Placement] = {
    "price": ({"price": "0.01"}, {"price": MAX_PRICE}),
    "-quantity": ({"quantity": 2**31 - 1}, {"quantity": 0}),
    "-price,name": ({"price": MAX_PRICE}, {"price": "0.01"}),
    # NULLs last in both directions; "" is the smallest text.
    "description": ({"description": ""}, {"description": None}),
    "-quantity,description": ({"quantity": 2**31 - 1}, {"quantity": 0}),
}
"""``price`` and ``-quantity`` take the row comparison in SQL; the others the OR form."""


def _seed_rows() -> list[dict[str, Any]]:
    """Twelve rows with ties on every sortable field, and NULL descriptions."""
    prices = ["1.00", "2.50", "2.50", "4.00"]
    names = ["b", "c", "c"]
    descriptions = ["m", None, "n", "m", None]
    quantities = [5, 7, 7]
    return [
        {
            "name": names[n % len(names)],
            "description": descriptions[n % len(descriptions)],
            "price": prices[n % len(prices)],
            "quantity": quantities[n % len(quantities)],
        }
        for n in range(12)
    ]


# -- HTTP helpers ----------------------------------------------------------------------


async def create(client: httpx2.AsyncClient, payload: Mapping[str, Any]) -> dict[str, Any]:
    response = await client.post(ITEMS, json=dict(payload))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def delete(client: httpx2.AsyncClient, item_id: str) -> None:
    response = await client.delete(f"{ITEMS}/{item_id}")
    assert response.status_code == 204, response.text


async def page(client: httpx2.AsyncClient, sort: str, cursor: str | None) -> dict[str, Any]:
    params: dict[str, str | int] = {"sort": sort, "limit": LIMIT}
    if cursor is not None:
        params["cursor"] = cursor
    response = await client.get(ITEMS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listing(client: httpx2.AsyncClient, sort: str) -> list[str]:
    """Every live row's id, in ``sort`` order, from one offset page."""
    response = await client.get(ITEMS, params={"sort": sort, "size": 100})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def last_page(client: httpx2.AsyncClient, sort: str) -> dict[str, Any]:
    current = await page(client, sort, None)
    for _ in range(100):
        if current["next_cursor"] is None:
            return current
        current = await page(client, sort, current["next_cursor"])
    pytest.fail("the walk to the last page did not end")


def ids(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def is_subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    remaining = iter(long)
    return all(any(x == y for y in remaining) for x in short)


def writable(item: Mapping[str, Any]) -> dict[str, Any]:
    return {field: item[field] for field in ("name", "description", "price", "quantity")}


# -- inserts during a walk -------------------------------------------------------------


@pytest.mark.parametrize("sort", PLACEMENTS)
@pytest.mark.parametrize("forward", [True, False], ids=["forward", "backward"])
async def test_rows_inserted_during_a_walk_neither_hide_nor_repeat_the_rows_that_existed_before(
    client: httpx2.AsyncClient, sort: str, *, forward: bool
) -> None:
    for payload in _seed_rows():
        await create(client, payload)
    before_walk = await listing(client, sort)
    before, after = PLACEMENTS[sort]
    # (inserted id, the boundary row the walk had reached when it was inserted)
    inserted: list[tuple[str, str]] = []

    current = await page(client, sort, None) if forward else await last_page(client, sort)
    pages = [current]
    onward, backward_key = (
        ("next_cursor", "prev_cursor") if forward else ("prev_cursor", "next_cursor")
    )
    assert current[backward_key] is None
    for _ in range(100):
        if current[onward] is None:
            break
        boundary = current["items"][-1] if forward else current["items"][0]
        for placed in (before, after, {}):
            # {} keeps the boundary row's values: equal on every sort key, id decides.
            new = await create(client, {**writable(boundary), **placed})
            inserted.append((new["id"], boundary["id"]))
        current = await page(client, sort, current[onward])
        pages.append(current)
    else:
        pytest.fail("the walk did not end")

    ordered_pages = pages if forward else list(reversed(pages))
    walked = [item_id for each in ordered_pages for item_id in ids(each["items"])]
    final = await listing(client, sort)

    assert len(walked) == len(set(walked)), "no row is listed twice"
    assert [row for row in walked if row in set(before_walk)] == before_walk
    assert is_subsequence(walked, final), "the walk is in sort order"
    ahead = [
        (final.index(new_id) > final.index(boundary_id)) == forward
        for new_id, boundary_id in inserted
    ]
    assert any(ahead), "some rows were inserted where the walk had yet to go"
    assert not all(ahead), "some rows were inserted where the walk had been"
    for (new_id, boundary_id), expected in zip(inserted, ahead, strict=True):
        assert (new_id in walked) == expected, (new_id, boundary_id)


# -- deletes during a walk -------------------------------------------------------------


@pytest.mark.parametrize("sort", PLACEMENTS)
async def test_deleting_rows_already_returned_does_not_disturb_the_remaining_pages(
    client: httpx2.AsyncClient, sort: str
) -> None:
    for payload in _seed_rows():
        await create(client, payload)
    expected = await listing(client, sort)

    first = await page(client, sort, None)
    # The boundary row the next cursor was cut from, and another row already seen.
    await delete(client, first["items"][-1]["id"])
    await delete(client, first["items"][0]["id"])
    walked = ids(first["items"])
    current = first
    for _ in range(100):
        if current["next_cursor"] is None:
            break
        current = await page(client, sort, current["next_cursor"])
        walked += ids(current["items"])
        # Delete this page's boundary as well, before following its cursor.
        await delete(client, current["items"][-1]["id"])
    else:
        pytest.fail("the walk did not end")

    assert walked == expected


@pytest.mark.parametrize("sort", PLACEMENTS)
async def test_a_prev_cursor_whose_boundary_row_was_deleted_still_leads_to_the_page_before(
    client: httpx2.AsyncClient, sort: str
) -> None:
    for payload in _seed_rows():
        await create(client, payload)
    expected = await listing(client, sort)
    first = await page(client, sort, None)
    second = await page(client, sort, first["next_cursor"])
    assert ids(second["items"]) == expected[LIMIT : 2 * LIMIT]

    await delete(client, second["items"][0]["id"])  # the row the prev cursor was cut from
    back = await page(client, sort, second["prev_cursor"])

    assert ids(back["items"]) == expected[:LIMIT]
    assert back["prev_cursor"] is None


async def test_a_prev_cursor_into_rows_all_deleted_still_leads_on_to_the_remaining_rows(
    client: httpx2.AsyncClient,
) -> None:
    for payload in _seed_rows():
        await create(client, payload)
    expected = await listing(client, "price")
    first = await page(client, "price", None)
    second = await page(client, "price", first["next_cursor"])
    for item in first["items"]:
        await delete(client, item["id"])

    current = await page(client, "price", second["prev_cursor"])
    walked = ids(current["items"])
    for _ in range(100):
        if current["next_cursor"] is None:
            break
        current = await page(client, "price", current["next_cursor"])
        walked += ids(current["items"])

    assert walked == expected[LIMIT:], "from there, next cursors reach every remaining row"
