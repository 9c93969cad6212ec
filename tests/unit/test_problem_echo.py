"""What a problem repeats back of the client's text is safe to encode and bounded in size."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from my_api.adapters.http.problems import MAX_ERRORS, error_response, problem
from my_api.kernel.errors import FieldError, InvalidInput, MalformedRequest, NotFound


def _document(body: bytes | memoryview) -> Any:
    return json.loads(bytes(body))


def test_a_lone_surrogate_in_a_field_name_is_escaped_not_refused() -> None:
    response = error_response(InvalidInput((FieldError("\ud800", "is not known", "x"),)), "/")

    errors = _document(response.body)["errors"]

    assert errors == [{"field": "\\ud800", "message": "is not known", "code": "x"}]


@given(st.text(st.characters(), max_size=300), st.text(st.characters(), max_size=300))
def test_any_echoed_text_encodes_and_stays_short(field: str, message: str) -> None:
    response = error_response(
        MalformedRequest(message, (FieldError(field, message, "code"),)), field
    )

    document = _document(response.body)  # the encoder accepted it

    entry = document["errors"][0]
    assert len(entry["field"]) <= 6 * 81
    assert len(entry["message"]) <= 6 * 201
    assert len(str(document["detail"])) <= 6 * 401


def test_a_not_found_id_with_a_lone_surrogate_is_echoed_escaped() -> None:
    response = error_response(NotFound("item", "\udfff" * 500), "/x")

    assert "\\udfff" in _document(response.body)["detail"]
    assert len(response.body) < 2_000


def test_errors_past_the_cap_are_counted_not_listed() -> None:
    errors = tuple(FieldError(f"k{n}", "is not a known field", "unknown_field") for n in range(7))
    capped = tuple(FieldError(f"k{n}", "m", "c") for n in range(MAX_ERRORS + 7))

    few = _document(problem(422, instance="/", errors=errors).body)
    many = _document(problem(422, instance="/", errors=capped).body)

    assert len(few["errors"]) == 7
    assert "errors_omitted" not in few
    assert len(many["errors"]) == MAX_ERRORS
    assert many["errors_omitted"] == 7
    assert "7 more error(s) are not listed." in str(many["detail"])


def test_a_hundred_thousand_unknown_keys_give_a_small_problem() -> None:
    errors = tuple(
        FieldError("k" * 1000 + str(n), "is not a known field", "u") for n in range(100_000)
    )

    response = problem(422, instance="/", errors=errors)

    assert len(response.body) < 20_000
