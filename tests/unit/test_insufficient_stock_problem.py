"""``InsufficientStock`` as the client sees it: a 409 problem naming every short line."""

from __future__ import annotations

import json

from my_api.adapters.http.problems import error_response
from my_api.kernel.errors import FieldError, InsufficientStock


def test_insufficient_stock_is_a_409_problem_listing_every_short_line() -> None:
    short = (
        FieldError("lines[0].quantity", "asks for 3 units; the item has 1", "insufficient_stock"),
        FieldError("lines[2].quantity", "asks for 1 units; the item has 0", "insufficient_stock"),
    )

    response = error_response(InsufficientStock(short), "/api/v1/orders")

    document = json.loads(bytes(response.body))
    assert response.status_code == 409
    assert response.media_type == "application/problem+json"
    assert document["type"] == "/problems/insufficient-stock"
    assert document["title"] == "Conflict"
    assert document["instance"] == "/api/v1/orders"
    assert document["errors"] == [
        {"field": error.field, "message": error.message, "code": error.code} for error in short
    ]
