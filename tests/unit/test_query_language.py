"""``parse_list_query``: the grammar of API.md "Query language for lists", case by case.

Parsing is a pure function from query parameters to
``Result[ListQuery, AppError]``; every malformed parameter is a
``Failure(MalformedRequest)`` whose errors name the parameter.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest
from returns.result import Failure, Result, Success

from my_api.adapters.http.query_language import parse_list_query
from my_api.adapters.http.query_text import fingerprint, to_query
from my_api.application.items import ITEMS
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import AppError, MalformedRequest
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import KeysetRequest, ListQuery
from my_api.kernel.pagination import PageRequest
from my_api.kernel.sorting import Sort, SortKey
from my_api.kernel.specification import (
    CompositeSpecification,
    FieldSpecification,
    Junction,
    NotSpecification,
    Operator,
    Specification,
)

CATALOG = ITEMS.catalog
SECRET = b"unit-test-cursor-secret-0123456789abcdef"
CODEC = CursorCodec(SECRET)
BOUNDARY_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
# A boundary value per sortable field, for cursors made by hand.
SAMPLE: dict[str, Any] = {
    "id": BOUNDARY_ID,
    "name": "Lamp",
    "description": None,
    "price": Decimal("12.50"),
}


def parse(query: str) -> Result[ListQuery, AppError]:
    """Parse a raw query string the way the HTTP edge decodes one."""
    return parse_list_query(parse_qsl(query, keep_blank_values=True), CATALOG, CODEC)


def parsed(query: str) -> ListQuery:
    result = parse(query)
    assert isinstance(result, Success), result
    found: ListQuery = result.unwrap()
    return found


def refused(query: str) -> dict[str, list[str]]:
    """The offending parameters of a refused query: parameter -> error codes."""
    result = parse(query)
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, MalformedRequest)
    assert error.errors
    named: dict[str, list[str]] = {}
    for field_error in error.errors:
        assert field_error.message
        named.setdefault(field_error.field, []).append(field_error.code)
    return named


def eq(field: str, operator: str, value: Any) -> FieldSpecification:
    return FieldSpecification(field, Operator(operator), value)


def cursor_for(query: str, boundary: tuple[Any, ...], codec: CursorCodec = CODEC) -> str:
    """A cursor as the server would issue it for ``query`` (its filter and sort)."""
    issued_for = parsed(query)
    return codec.encode(Keyset(boundary, after=True), issued_for.fingerprint)


# -- filters: API.md's examples ---------------------------------------------------------


def test_the_api_md_filter_example_is_a_conjunction_of_typed_conditions() -> None:
    query = parsed("price=gte.10&name=ilike.*lamp*&quantity=in.(1,2,3)")

    assert query.filter == CompositeSpecification(
        Junction.AND,
        (
            eq("price", "gte", Decimal("10")),
            eq("name", "ilike", "*lamp*"),
            eq("quantity", "in", (1, 2, 3)),
        ),
    )


def test_a_single_condition_is_the_whole_filter() -> None:
    assert parsed("name=eq.Lamp").filter == eq("name", "eq", "Lamp")


def test_not_prefix_negates_one_condition() -> None:
    assert parsed("name=not.eq.x").filter == NotSpecification(eq("name", "eq", "x"))


def test_an_or_group_joins_its_conditions() -> None:
    assert parsed("or=(price.lt.5,quantity.eq.0)").filter == CompositeSpecification(
        Junction.OR, (eq("price", "lt", Decimal("5")), eq("quantity", "eq", 0))
    )


def test_groups_nest() -> None:
    query = parsed("or=(name.eq.1,and(price.gt.2,quantity.lt.3))")

    assert query.filter == CompositeSpecification(
        Junction.OR,
        (
            eq("name", "eq", "1"),
            CompositeSpecification(
                Junction.AND, (eq("price", "gt", Decimal("2")), eq("quantity", "lt", 3))
            ),
        ),
    )


@pytest.mark.parametrize("junction", list(Junction))
def test_not_dot_group_negates_the_whole_group(junction: Junction) -> None:
    query = parsed(f"not.{junction.value}=(price.lt.5,quantity.eq.0)")

    assert query.filter == NotSpecification(
        CompositeSpecification(junction, (eq("price", "lt", Decimal("5")), eq("quantity", "eq", 0)))
    )


def test_inside_a_group_not_negates_a_condition_or_a_nested_group() -> None:
    query = parsed("or=(name.not.eq.x,not.and(price.gt.1,price.lt.2))")

    assert query.filter == CompositeSpecification(
        Junction.OR,
        (
            NotSpecification(eq("name", "eq", "x")),
            NotSpecification(
                CompositeSpecification(
                    Junction.AND, (eq("price", "gt", Decimal("1")), eq("price", "lt", Decimal("2")))
                )
            ),
        ),
    )


def test_a_group_of_one_is_that_condition() -> None:
    assert parsed("or=(name.eq.a)").filter == eq("name", "eq", "a")


def test_a_repeated_filter_parameter_adds_a_condition() -> None:
    assert parsed("price=gt.1&price=lt.5").filter == CompositeSpecification(
        Junction.AND, (eq("price", "gt", Decimal("1")), eq("price", "lt", Decimal("5")))
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("name=eq.", ""),
        ("name=eq.%20padded%20", " padded "),
        ("name=eq.a,b", "a,b"),
        ("name=eq.(x)", "(x)"),
        ('name=eq."quoted"', '"quoted"'),
        ("name=eq.back\\slash", "back\\slash"),
        ("name=eq.null", "null"),
        ("name=eq.true", "true"),
        ("name=eq.not.x", "not.x"),
        ("name=eq.%C3%A9cole%20%F0%9F%A6%84", "école 🦄"),
        ("name=like.50%25_off*", "50%_off*"),
    ],
)
def test_a_top_level_value_is_the_rest_of_the_parameter_verbatim(value: str, expected: str) -> None:
    spec = parsed(value).filter

    assert isinstance(spec, FieldSpecification)
    assert spec.value == expected


def test_in_lists_take_quoted_values_with_commas_parens_quotes_and_backslashes() -> None:
    query = parsed('name=in.("a,b","(x)","say \\"hi\\"","back\\\\slash",plain,"")')

    assert query.filter == eq("name", "in", ("a,b", "(x)", 'say "hi"', "back\\slash", "plain", ""))


def test_group_values_may_be_quoted() -> None:
    query = parsed('or=(name.eq."a,b",description.like."*(x)*")')

    assert query.filter == CompositeSpecification(
        Junction.OR, (eq("name", "eq", "a,b"), eq("description", "like", "*(x)*"))
    )


@pytest.mark.parametrize("negated", [False, True])
def test_is_null_tests_for_absence(*, negated: bool) -> None:
    query = parsed("description=" + ("not." if negated else "") + "is.null")

    condition = eq("description", "is", None)
    assert query.filter == (NotSpecification(condition) if negated else condition)


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("price=eq.12.50", eq("price", "eq", Decimal("12.50"))),
        ("price=neq.-3", eq("price", "neq", Decimal("-3"))),
        ("quantity=gt.7", eq("quantity", "gt", 7)),
        ("quantity=gte.-1", eq("quantity", "gte", -1)),
        ("name=lt.m", eq("name", "lt", "m")),
        ("description=lte.z", eq("description", "lte", "z")),
        ("name=like.*Lamp", eq("name", "like", "*Lamp")),
        ("description=ilike.*LAMP*", eq("description", "ilike", "*LAMP*")),
        ("quantity=in.(1,-2)", eq("quantity", "in", (1, -2))),
        (f"id=eq.{BOUNDARY_ID}", eq("id", "eq", BOUNDARY_ID)),
        (f"id=in.({BOUNDARY_ID})", eq("id", "in", (BOUNDARY_ID,))),
        (
            "created_at=gte.2024-05-01T12:00:00Z",
            eq("created_at", "gte", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ),
        (
            "updated_at=lt.2024-05-01T14:30:00%2B02:00",
            eq("updated_at", "lt", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ),
    ],
)
def test_every_operator_parses_to_a_typed_value(param: str, expected: Specification) -> None:
    assert parsed(param).filter == expected


def test_timestamps_are_held_in_utc() -> None:
    spec = parsed("created_at=gt.2024-05-01T14:30:00%2B02:00").filter

    assert isinstance(spec, FieldSpecification)
    assert spec.value.utcoffset().total_seconds() == 0


def test_to_query_renders_the_api_md_examples_back() -> None:
    for query in [
        "price=gte.10&name=ilike.*lamp*&quantity=in.(1,2,3)",
        "name=not.eq.x",
        "or=(price.lt.5,quantity.eq.0)",
        "or=(name.eq.1,and(price.gt.2,quantity.lt.3))",
        "not.or=(price.lt.5,quantity.eq.0)",
    ]:
        assert to_query(parsed(query).filter) == parse_qsl(query)


# -- sort --------------------------------------------------------------------------------


def test_sort_reads_keys_in_order_with_minus_for_descending_and_id_as_tie_breaker() -> None:
    assert parsed("sort=-price,name").sort.keys == (
        SortKey("price", descending=True),
        SortKey("name", descending=False),
        SortKey("id", descending=False),
    )


def test_the_tie_breaker_follows_the_direction_of_the_last_key() -> None:
    assert parsed("sort=name,-price").sort.keys[-1] == SortKey("id", descending=True)


def test_without_sort_the_order_is_by_id() -> None:
    assert parsed("").sort == Sort((SortKey("id"),))


def test_sorting_by_id_alone_is_allowed_in_either_direction() -> None:
    assert parsed("sort=-id").sort.keys == (SortKey("id", descending=True),)


# -- windows ------------------------------------------------------------------------------


def test_offset_paging_defaults_to_the_first_page_of_twenty() -> None:
    assert parsed("").window == PageRequest(page=1, size=20)


def test_page_and_size_are_read() -> None:
    assert parsed("page=3&size=5").window == PageRequest(page=3, size=5)
    assert parsed("page=2").window == PageRequest(page=2, size=20)
    assert parsed("size=100").window == PageRequest(page=1, size=100)


def test_limit_alone_starts_a_keyset_walk() -> None:
    assert parsed("limit=5").window == KeysetRequest(limit=5, keyset=None)


def test_limit_with_a_cursor_continues_the_walk_from_the_boundary() -> None:
    token = cursor_for("sort=-price&price=gt.1", (Decimal("12.50"), BOUNDARY_ID))

    query = parsed(f"sort=-price&price=gt.1&limit=7&cursor={token}")

    assert query.window == KeysetRequest(7, Keyset((Decimal("12.50"), BOUNDARY_ID), after=True))


def test_a_cursor_alone_uses_the_default_limit() -> None:
    token = cursor_for("", (BOUNDARY_ID,))

    assert parsed(f"cursor={token}").window == KeysetRequest(20, Keyset((BOUNDARY_ID,)))


def test_a_cursor_keeps_nulls_and_timestamps_of_the_boundary() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    boundary = (None, moment, BOUNDARY_ID)
    token = cursor_for("sort=description,-created_at", boundary)

    window = parsed(f"sort=description,-created_at&limit=2&cursor={token}").window

    assert window == KeysetRequest(2, Keyset(boundary))


def test_a_cursor_is_bound_to_the_filter_but_not_to_the_order_of_its_parameters() -> None:
    token = cursor_for("price=gt.1&name=eq.x&sort=name", ("x", BOUNDARY_ID))

    query = parsed(f"sort=name&name=eq.x&price=gt.1&limit=3&cursor={token}")

    assert query.window == KeysetRequest(3, Keyset(("x", BOUNDARY_ID)))


# -- errors ---------------------------------------------------------------------------------

MALFORMED = [
    # unknown fields, including columns that are not declared filterable
    ("colour=eq.red", "colour"),
    ("version=eq.1", "version"),
    ("deleted_at=is.null", "deleted_at"),
    ("Name=eq.x", "Name"),
    ("xor=(name.eq.a,name.eq.b)", "xor"),
    ("or=(colour.eq.red,name.eq.a)", "or"),
    # unknown operators, or none
    ("name=equals.x", "name"),
    ("name=EQ.x", "name"),
    ("name=eq", "name"),
    ("name=", "name"),
    ("name=not.not.eq.x", "name"),
    ("or=(name.bogus.x,price.eq.1)", "or"),
    # values of the wrong type
    ("price=gt.abc", "price"),
    ("price=eq.1e5", "price"),
    ("price=eq.NaN", "price"),
    ("price=eq.", "price"),
    ("quantity=eq.1.5", "quantity"),
    ("quantity=eq.%201", "quantity"),
    ("quantity=eq.", "quantity"),
    ("created_at=gt.2024-01-01T00:00:00", "created_at"),
    ("created_at=gt.2024-01-01", "created_at"),
    ("created_at=gt.2024-13-01T00:00:00Z", "created_at"),
    ("updated_at=lt.yesterday", "updated_at"),
    ("id=eq.not-a-uuid", "id"),
    ("id=eq.1", "id"),
    ("quantity=in.(1,two)", "quantity"),
    ("or=(price.gt.abc,quantity.eq.1)", "or"),
    ("and=(quantity.eq.1,created_at.gt.2024-01-01)", "and"),
    # bad in lists
    ("quantity=in.()", "quantity"),
    ("quantity=in.(1,2", "quantity"),
    ("quantity=in.1,2", "quantity"),
    ("quantity=in.(1,2)x", "quantity"),
    ("name=in.(a(b)", "name"),
    ("name=in.(a)b)", "name"),
    ('name=in.("unclosed)', "name"),
    ('name=in.(a"b)', "name"),
    ("name=in.(a\\b)", "name"),
    ("or=(quantity.in.(),name.eq.a)", "or"),
    # like on a field that is not text; is with anything but null
    ("price=like.1*", "price"),
    ("quantity=ilike.*", "quantity"),
    ("created_at=like.2024*", "created_at"),
    ("name=is.true", "name"),
    ("description=is.false", "description"),
    ("description=is.nothing", "description"),
    # malformed groups
    ("or=()", "or"),
    ("or=", "or"),
    ("or=(name.eq.a", "or"),
    ("or=name.eq.a,price.eq.1", "or"),
    ("and=(name.eq.a,name.eq.b)extra", "and"),
    ("or=(not.name.eq.x,price.eq.1)", "or"),
    ("not.or=(name.eq.a,(price.eq.1))", "not.or"),
    ("or=(name.eq.a,)", "or"),
    # sort
    ("sort=colour", "sort"),
    ("sort=version", "sort"),
    ("sort=deleted_at", "sort"),
    ("sort=price,-price", "sort"),
    ("sort=name,name", "sort"),
    ("sort=", "sort"),
    ("sort=--price", "sort"),
    ("sort=price,", "sort"),
    ("sort=+price", "sort"),
    # windows out of range
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=x", "page"),
    ("page=1.5", "page"),
    ("page=", "page"),
    ("page=10000001", "page"),
    ("size=0", "size"),
    ("size=101", "size"),
    ("size=x", "size"),
    ("size=%2B5", "size"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=x", "limit"),
    ("limit=%D9%A1", "limit"),  # an Arabic-Indic digit one
    # paging modes do not mix
    ("limit=5&page=2", "page"),
    ("limit=5&size=10", "size"),
    # a window or sort parameter given twice
    ("sort=name&sort=price", "sort"),
    ("page=1&page=2", "page"),
    ("size=5&size=5", "size"),
    ("limit=5&limit=6", "limit"),
    # cursors the server did not issue
    ("cursor=", "cursor"),
    ("cursor=abc", "cursor"),
    ("cursor=a.b", "cursor"),
    ("cursor=!!!.???", "cursor"),
    ("cursor=%C3%A9t%C3%A9.%C3%A9t%C3%A9", "cursor"),
    ("cursor=eyJiIjpbXSwiYSI6dHJ1ZSwiZiI6IngifQ", "cursor"),
]


@pytest.mark.parametrize(("query", "parameter"), MALFORMED)
def test_a_malformed_query_is_refused_naming_the_parameter(query: str, parameter: str) -> None:
    assert parameter in refused(query)


def test_several_mistakes_are_reported_at_once() -> None:
    named = refused("colour=eq.red&price=gt.abc&sort=nope&size=0&quantity=in.()")

    assert set(named) == {"colour", "price", "sort", "size", "quantity"}


def test_error_codes_tell_kinds_of_mistake_apart() -> None:
    named = refused("colour=eq.red&price=gt.abc&sort=nope&size=0")

    assert named == {
        "colour": ["unknown_parameter"],
        "price": ["invalid_filter"],
        "sort": ["invalid_sort"],
        "size": ["out_of_range"],
    }


def test_a_good_parameter_is_not_blamed_for_a_bad_one() -> None:
    named = refused("name=eq.ok&price=gt.abc&sort=name&page=1")

    assert set(named) == {"price"}


@pytest.mark.parametrize(
    "edge",
    [
        "created_at=gt.0001-01-01T00:00:00%2B01:00",
        "updated_at=lt.9999-12-31T23:59:59-01:00",
        "or=(created_at.gt.0001-01-01T00:30:00%2B01:00,name.eq.x)",
    ],
)
def test_a_timestamp_whose_utc_instant_is_outside_the_calendar_is_refused(edge: str) -> None:
    assert set(refused(edge)) & {"created_at", "updated_at", "or"}


# -- cursors ----------------------------------------------------------------------------------


def _flip(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def test_a_cursor_with_an_altered_signature_is_refused() -> None:
    token = cursor_for("sort=name", ("Lamp", BOUNDARY_ID))
    body, signature = token.split(".")
    # A character in the middle carries six significant bits.
    altered = f"{body}.{_flip(signature, len(signature) // 2)}"

    assert refused(f"sort=name&limit=2&cursor={altered}") == {"cursor": ["invalid_cursor"]}


def test_a_cursor_with_an_altered_payload_is_refused() -> None:
    token = cursor_for("sort=name", ("Lamp", BOUNDARY_ID))
    body, signature = token.split(".")
    altered = f"{_flip(body, len(body) // 2)}.{signature}"

    assert refused(f"sort=name&limit=2&cursor={altered}") == {"cursor": ["invalid_cursor"]}


def test_a_cursor_without_its_signature_is_refused() -> None:
    body = cursor_for("sort=name", ("Lamp", BOUNDARY_ID)).split(".")[0]

    assert refused(f"sort=name&limit=2&cursor={body}") == {"cursor": ["invalid_cursor"]}


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    foreign = CursorCodec(b"another-secret-entirely-0123456789abcdef")
    token = cursor_for("sort=name", ("Lamp", BOUNDARY_ID), codec=foreign)

    assert refused(f"sort=name&limit=2&cursor={token}") == {"cursor": ["invalid_cursor"]}


@pytest.mark.parametrize(
    ("issued_for", "replayed_with"),
    [
        ("name=eq.x", "name=eq.y"),
        ("name=eq.x", "name=not.eq.x"),
        ("name=eq.x", ""),
        ("", "name=eq.x"),
        ("price=gt.1", "price=gt.1&quantity=eq.0"),
        ("or=(price.gt.1,quantity.eq.0)", "and=(price.gt.1,quantity.eq.0)"),
    ],
)
def test_a_cursor_replayed_with_a_different_filter_is_refused(
    issued_for: str, replayed_with: str
) -> None:
    token = cursor_for(f"{issued_for}&sort=name", ("x", BOUNDARY_ID))

    named = refused(f"{replayed_with}&sort=name&limit=2&cursor={token}")

    assert named == {"cursor": ["invalid_cursor"]}


@pytest.mark.parametrize(
    ("issued_for", "replayed_with"),
    [
        ("sort=name", "sort=-name"),
        ("sort=name", "sort=description"),
        ("sort=name,price", "sort=price,name"),
        ("sort=name", ""),
        ("sort=price", "sort=price,-name"),
    ],
)
def test_a_cursor_replayed_with_a_different_sort_is_refused(
    issued_for: str, replayed_with: str
) -> None:
    query = parsed(issued_for)
    boundary = tuple(SAMPLE[key.field] for key in query.sort.keys)
    token = CODEC.encode(Keyset(boundary), query.fingerprint)

    assert refused(f"{replayed_with}&limit=2&cursor={token}") == {"cursor": ["invalid_cursor"]}


def test_a_cursor_together_with_page_is_refused() -> None:
    token = cursor_for("", (BOUNDARY_ID,))

    assert "page" in refused(f"page=2&cursor={token}")
    assert "page" in refused(f"page=1&limit=5&cursor={token}")


def test_a_cursor_given_twice_is_refused() -> None:
    token = cursor_for("", (BOUNDARY_ID,))

    assert "cursor" in refused(f"cursor={token}&cursor={token}")


def test_a_bad_filter_is_reported_without_blaming_a_good_cursor() -> None:
    token = cursor_for("name=eq.x", ("x", BOUNDARY_ID))

    assert set(refused(f"name=eq.x&price=gt.abc&cursor={token}")) == {"price"}


def test_the_fingerprint_follows_filter_and_sort() -> None:
    base = parsed("name=eq.x&sort=name")

    assert base.fingerprint == fingerprint(base.filter, base.sort)
    assert parsed("sort=name&name=eq.x").fingerprint == base.fingerprint
    assert parsed("name=eq.x&sort=name&page=3&size=7").fingerprint == base.fingerprint
    assert parsed("name=eq.y&sort=name").fingerprint != base.fingerprint
    assert parsed("name=eq.x&sort=-name").fingerprint != base.fingerprint


@pytest.mark.parametrize(
    "query",
    [
        "price=eq.0.010000000000000001",
        "price=in.(1,0.0099999999999999999)",
        # Past the decimal context's 28 digits, where rounding once made it look short.
        "price=gt.9999999999.98999999999999999994",
    ],
)
def test_a_price_with_more_significant_digits_than_every_database_compares_exactly_is_refused(
    query: str,
) -> None:
    assert refused(query) == {"price": ["invalid_filter"]}


def test_a_price_with_fifteen_significant_digits_is_accepted() -> None:
    assert parsed("price=gt.1234567890.12345").filter == eq(
        "price", "gt", Decimal("1234567890.12345")
    )
