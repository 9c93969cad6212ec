"""Orders over HTTP, through the real app, on both databases: every status of API.md's
"Orders" section, and what each does to the items it reserves stock on.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx2
import pytest

ITEMS = "/api/v1/items"
ORDERS = "/api/v1/orders"


async def an_item(client: httpx2.AsyncClient, price: str = "12.50", quantity: int = 5) -> str:
    """A new item's id."""
    response = await client.post(ITEMS, json={"name": "Lamp", "price": price, "quantity": quantity})
    assert response.status_code == 201, response.text
    item_id: str = response.json()["data"]["id"]
    return item_id


async def item(client: httpx2.AsyncClient, item_id: str) -> dict[str, Any]:
    response = await client.get(f"{ITEMS}/{item_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def place(
    client: httpx2.AsyncClient, *lines: tuple[str, int], **body: Any
) -> httpx2.Response:
    document = {"lines": [{"item_id": i, "quantity": q} for i, q in lines], **body}
    return await client.post(ORDERS, json=document)


def problem(response: httpx2.Response, status: int, kind: str | None) -> list[tuple[str, str]]:
    """The (field, code) pairs a problem names, once it is shown to be ``status`` of ``kind``
    (``None``: Starlette's own, ``about:blank``).
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == (f"/problems/{kind}" if kind else "about:blank")
    assert body["status"] == status
    return [(error["field"], error["code"]) for error in body.get("errors", [])]


# -- placing -------------------------------------------------------------------------------


async def test_placing_answers_201_with_location_etag_and_the_order(
    client: httpx2.AsyncClient,
) -> None:
    lamp, desk = await an_item(client, "12.50", 5), await an_item(client, "0.10", 40)

    response = await place(client, (lamp, 2), (desk, 30), note="for the office")

    assert response.status_code == 201, response.text
    order = response.json()["data"]
    assert response.headers["location"] == f"{ORDERS}/{order['id']}"
    assert response.headers["etag"] == '"1"'
    assert order["status"] == "placed"
    assert order["note"] == "for the office"
    assert order["version"] == 1
    assert order["lines"] == [
        {"item_id": lamp, "quantity": 2, "unit_price": "12.50"},
        {"item_id": desk, "quantity": 30, "unit_price": "0.10"},
    ]
    assert order["total"] == "28.00"
    assert "deleted_at" not in order


async def test_placing_takes_each_lines_units_from_its_item_as_a_write(
    client: httpx2.AsyncClient,
) -> None:
    lamp, desk = await an_item(client, quantity=5), await an_item(client, quantity=3)

    assert (await place(client, (lamp, 2), (desk, 3))).status_code == 201

    assert ((await item(client, lamp))["quantity"], (await item(client, lamp))["version"]) == (3, 2)
    assert ((await item(client, desk))["quantity"], (await item(client, desk))["version"]) == (0, 2)


async def test_the_total_is_exact_however_large(client: httpx2.AsyncClient) -> None:
    costly = await an_item(client, "9999999999.99", 20000)

    response = await place(client, (costly, 10000), (await an_item(client, "0.01", 1), 1))

    assert response.status_code == 201, response.text
    assert Decimal(response.json()["data"]["total"]) == Decimal("99999999999900.01")


async def test_short_stock_is_409_naming_every_short_line_and_changes_nothing(
    client: httpx2.AsyncClient,
) -> None:
    plenty = await an_item(client, quantity=9)
    short = await an_item(client, quantity=1)
    shorter = await an_item(client, quantity=0)

    response = await place(client, (plenty, 2), (short, 2), (shorter, 1))

    named = [field for field, _ in problem(response, 409, "insufficient-stock")]
    assert named == ["lines[1].quantity", "lines[2].quantity"]
    for item_id, quantity in ((plenty, 9), (short, 1), (shorter, 0)):
        assert (await item(client, item_id))["quantity"] == quantity
        assert (await item(client, item_id))["version"] == 1
    assert (await client.get(ORDERS)).json()["total"] == 0


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([("known", 0)], "lines[0].quantity"),
        ([("known", 10001)], "lines[0].quantity"),
        ([("known", 1), ("known", 2)], "lines[1].item_id"),
        ([("known", 1), ("not-a-uuid", 1)], "lines[1].item_id"),
    ],
)
async def test_bad_lines_are_422_naming_the_line(
    client: httpx2.AsyncClient, lines: list[tuple[str, int]], field: str
) -> None:
    known = await an_item(client)
    named = [(known if i == "known" else i, q) for i, q in lines]

    fields = [f for f, _ in problem(await place(client, *named), 422, "invalid-input")]

    assert field in fields
    assert (await item(client, known))["quantity"] == 5


async def test_more_than_50_lines_is_422(client: httpx2.AsyncClient) -> None:
    lines = [(str(uuid.UUID(int=n + 1)), 1) for n in range(51)]

    fields = [f for f, _ in problem(await place(client, *lines), 422, "invalid-input")]

    assert "lines" in fields


async def test_a_note_over_500_characters_and_an_unknown_field_are_422(
    client: httpx2.AsyncClient,
) -> None:
    known = await an_item(client)

    response = await place(client, (known, 1), note="n" * 501, coupon="FREE")

    assert {f for f, _ in problem(response, 422, "invalid-input")} >= {"note", "coupon"}


@pytest.mark.parametrize("how", ["never existed", "deleted"])
async def test_a_missing_or_deleted_item_is_422_naming_its_line(
    client: httpx2.AsyncClient, how: str
) -> None:
    known = await an_item(client)
    gone = await an_item(client) if how == "deleted" else str(uuid.uuid4())
    if how == "deleted":
        assert (await client.delete(f"{ITEMS}/{gone}")).status_code == 204

    response = await place(client, (known, 1), (gone, 1))

    assert [f for f, _ in problem(response, 422, "invalid-input")] == ["lines[1].item_id"]
    assert (await item(client, known))["quantity"] == 5


# -- reading -------------------------------------------------------------------------------


async def test_an_order_reads_back_with_its_etag_and_304_when_unchanged(
    client: httpx2.AsyncClient,
) -> None:
    placed = await place(client, (await an_item(client), 1))
    location = placed.headers["location"]

    response = await client.get(location)
    unchanged = await client.get(location, headers={"If-None-Match": '"1"'})

    assert response.status_code == 200
    assert response.json()["data"] == placed.json()["data"]
    assert response.headers["etag"] == '"1"'
    assert unchanged.status_code == 304


async def test_an_unknown_or_malformed_order_id_is_404(client: httpx2.AsyncClient) -> None:
    problem(await client.get(f"{ORDERS}/{uuid.uuid4()}"), 404, "not-found")
    problem(await client.get(f"{ORDERS}/not-a-uuid"), 404, "not-found")


async def test_lists_filter_and_sort_on_status_and_total_and_carry_whole_orders(
    client: httpx2.AsyncClient,
) -> None:
    cheap, dear = await an_item(client, "1.00", 50), await an_item(client, "30.00", 50)
    small = (await place(client, (cheap, 2))).json()["data"]
    large = (await place(client, (dear, 1), (cheap, 1))).json()["data"]
    cancelled = (await place(client, (cheap, 1))).json()["data"]
    assert (await client.post(f"{ORDERS}/{cancelled['id']}/cancel")).status_code == 200

    placed = await client.get(ORDERS, params={"status": "eq.placed", "sort": "-total"})
    dear_only = await client.get(ORDERS, params={"total": "gte.10"})

    assert placed.status_code == 200, placed.text
    assert [o["id"] for o in placed.json()["items"]] == [large["id"], small["id"]]
    assert placed.json()["items"][0]["lines"] == large["lines"]
    assert [o["id"] for o in dear_only.json()["items"]] == [large["id"]]


async def test_a_list_filter_on_a_field_not_declared_is_400(client: httpx2.AsyncClient) -> None:
    problem(await client.get(ORDERS, params={"note": "eq.x"}), 400, "malformed-request")


# -- cancelling ----------------------------------------------------------------------------


async def test_cancelling_gives_the_stock_back_and_answers_the_cancelled_order(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await an_item(client, quantity=5)
    location = (await place(client, (lamp, 4))).headers["location"]

    response = await client.post(f"{location}/cancel", headers={"If-Match": '"1"'})

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["data"]["status"] == "cancelled"
    assert response.json()["data"]["version"] == 2
    restored = await item(client, lamp)
    assert (restored["quantity"], restored["version"]) == (5, 3)


async def test_cancelling_twice_is_409_and_a_stale_if_match_is_412(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await an_item(client, quantity=5)
    location = (await place(client, (lamp, 4))).headers["location"]

    stale = await client.post(f"{location}/cancel", headers={"If-Match": '"7"'})
    first = await client.post(f"{location}/cancel")
    again = await client.post(f"{location}/cancel")

    problem(stale, 412, "precondition-failed")
    assert first.status_code == 200
    problem(again, 409, "conflict")
    assert (await item(client, lamp))["quantity"] == 5


async def test_cancelling_gives_units_back_to_an_item_deleted_since(
    client: httpx2.AsyncClient,
) -> None:
    lamp, desk = await an_item(client, quantity=5), await an_item(client, quantity=5)
    location = (await place(client, (lamp, 1), (desk, 2))).headers["location"]
    assert (await client.post(f"{location}/cancel")).status_code == 200
    again = (await place(client, (desk, 2))).headers["location"]
    assert (await client.delete(f"{ITEMS}/{lamp}")).status_code == 204

    assert (await client.post(f"{again}/cancel")).status_code == 200
    assert (await item(client, desk))["quantity"] == 5


async def test_cancelling_an_unknown_order_is_404(client: httpx2.AsyncClient) -> None:
    problem(await client.post(f"{ORDERS}/{uuid.uuid4()}/cancel"), 404, "not-found")


# -- what orders do not allow --------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_orders_change_only_through_their_commands(
    client: httpx2.AsyncClient, method: str
) -> None:
    location = (await place(client, (await an_item(client), 1))).headers["location"]

    response = await client.request(method, location, json={"note": "x"})

    problem(response, 405, None)
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
    assert (await client.get(location)).json()["data"]["version"] == 1


async def test_an_item_that_placed_orders_hold_cannot_be_deleted_until_they_are_cancelled(
    client: httpx2.AsyncClient,
) -> None:
    lamp = await an_item(client, quantity=5)
    location = (await place(client, (lamp, 1))).headers["location"]

    held = await client.delete(f"{ITEMS}/{lamp}")
    assert (await client.post(f"{location}/cancel")).status_code == 200
    released = await client.delete(f"{ITEMS}/{lamp}")

    problem(held, 409, "conflict")
    assert released.status_code == 204
