"""The parser refuses a list query past its limits, naming the limit, before any SQL is
built; at the limits it accepts. Work stops at the first limit every later parameter
could only add to.
"""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from my_api.adapters.http.query_language import parse_list_query
from my_api.adapters.http.query_limits import MAX_BOUND_VALUES, QueryLimits
from my_api.application.items import ITEMS
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import MalformedRequest
from my_api.settings import load_settings

CATALOG = ITEMS.catalog
CODEC = CursorCodec(b"limits-secret-0123456789abcdef0123")
LIMITS = QueryLimits()


def nested(depth: int, *, binary: bool = False) -> list[tuple[str, str]]:
    """An ``or`` group holding ``depth`` groups in all, one inside the next."""
    opened = ["or(" if level % 2 else "not.and(" for level in range(depth - 1)]
    if binary:
        opened = [opening + "name.eq.x," for opening in opened]
    item = "".join(opened) + "quantity.eq.1" + ")" * (depth - 1)
    return [("or", f"({item},price.gt.1)")]


def _codes(params: list[tuple[str, str]], limits: QueryLimits = LIMITS) -> list[tuple[str, str]]:
    parsed = parse_list_query(params, CATALOG, CODEC, limits)
    if isinstance(parsed, Success):
        return []
    error = parsed.failure()
    assert isinstance(error, MalformedRequest)
    return [(e.field, e.code) for e in error.errors]


@pytest.mark.parametrize("binary", [False, True])
def test_groups_nested_to_the_depth_limit_parse(*, binary: bool) -> None:
    assert _codes(nested(LIMITS.max_depth, binary=binary)) == []


@pytest.mark.parametrize("depth", [9, 29, 241, 100_000])
@pytest.mark.parametrize("binary", [False, True])
def test_groups_nested_past_the_depth_limit_are_refused_naming_it(
    depth: int, *, binary: bool
) -> None:
    long_queries = QueryLimits(max_length=10_000_000)

    assert _codes(nested(depth, binary=binary), long_queries) == [("or", "too_deep")]


def test_the_depth_limit_is_the_configured_one() -> None:
    assert _codes(nested(3), QueryLimits(max_depth=2)) == [("or", "too_deep")]
    assert _codes(nested(2), QueryLimits(max_depth=2)) == []


def test_conditions_up_to_the_term_limit_parse() -> None:
    params = [("quantity", "gt.1")] * (LIMITS.max_terms - 2) + [("or", "(name.eq.a,name.eq.b)")]

    assert _codes(params) == []


def test_one_condition_past_the_term_limit_is_refused_naming_it() -> None:
    params = [("quantity", "gt.1")] * (LIMITS.max_terms - 1) + [("or", "(name.eq.a,name.eq.b)")]

    assert _codes(params) == [("or", "too_many_terms")]


def test_after_the_term_limit_no_further_parameter_is_read() -> None:
    params = [("quantity", "gt.1")] * 999 + [("nonsense", "x")] * 5_000

    assert _codes(params, QueryLimits(max_length=1_000_000)) == [("quantity", "too_many_terms")]


def test_an_in_list_up_to_its_limit_parses_and_one_past_it_is_refused() -> None:
    values = ",".join(str(n) for n in range(LIMITS.max_in_values))

    assert _codes([("quantity", f"in.({values})")]) == []
    assert _codes([("quantity", f"in.({values},-1)")]) == [("quantity", "too_many_values")]
    assert _codes([("or", f"(quantity.in.({values},-1))")]) == [("or", "too_many_values")]


def test_all_in_lists_together_stay_under_postgresqls_argument_limit() -> None:
    limits = QueryLimits(max_terms=256, max_in_values=10_000, max_length=1_000_000)
    values = ",".join("1" for _ in range(10_000))
    params = [("quantity", f"in.({values})")] * (MAX_BOUND_VALUES // 10_000 + 1)

    assert _codes(params, limits)[-1] == ("quantity", "too_many_values")
    assert MAX_BOUND_VALUES + 2 + 16 < 32_767  # the window and a keyset fit beside them


def test_a_query_string_past_the_length_limit_is_refused_before_it_is_read() -> None:
    at_limit = [("name", "eq." + "x" * (LIMITS.max_length - len("name=eq.")))]
    past = [("name", "eq." + "x" * (LIMITS.max_length - len("name=eq.") + 1))]

    assert _codes(at_limit) == []
    refused = parse_list_query(past, CATALOG, CODEC, LIMITS)
    assert isinstance(refused, Failure)
    assert str(LIMITS.max_length) in refused.failure().detail


def test_the_limits_are_settings_with_bounds() -> None:
    environ = {
        "MY_API_QUERY_MAX_DEPTH": "4",
        "MY_API_QUERY_MAX_TERMS": "10",
        "MY_API_QUERY_MAX_IN_VALUES": "20",
        "MY_API_QUERY_MAX_LENGTH": "1000",
    }
    settings = load_settings(environ).unwrap()

    assert (settings.query_max_depth, settings.query_max_terms) == (4, 10)
    assert (settings.query_max_in_values, settings.query_max_length) == (20, 1000)
    refused = load_settings({"MY_API_QUERY_MAX_DEPTH": "13", "MY_API_QUERY_MAX_TERMS": "0"})
    assert isinstance(refused, Failure)
    assert [line.split(":")[0] for line in refused.failure()] == [
        "MY_API_QUERY_MAX_DEPTH",
        "MY_API_QUERY_MAX_TERMS",
    ]
