"""Laws of the list query language (API.md "Query language for lists").

* Round trip: a specification rendered by ``to_query``, sent through a real
  query string (urlencode, then ``parse_qsl`` as the HTTP edge does) and
  parsed by ``parse_list_query`` comes back identical, together with the
  sort and the window.
* The fingerprint a cursor is bound to does not depend on the order of the
  top-level parameters.
* Parsing is total: any query string gives ``Success`` or
  ``Failure(MalformedRequest)`` naming parameters that were sent, never an
  exception.
* Nothing from the query string reaches SQL text: whatever parses compiles to
  SQL made only of the grammar's own vocabulary (declared column names,
  keywords, operators and numbered placeholders), with one bound value per
  placeholder.

Specifications are drawn in the canonical form ``to_query`` renders:
composites of two or more parts, no double negation; the top-level ``and``
becomes separate parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from random import Random
from urllib.parse import parse_qsl, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.http.query_language import parse_list_query
from my_api.adapters.http.query_text import fingerprint, to_query
from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE
from my_api.application.items import ITEM_TABLE, ITEMS
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import MalformedRequest
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
    all_of,
)
from my_api.kernel.table import ColumnType
from tests.strategies import unicode_text

CATALOG = ITEMS.catalog
CODEC = CursorCodec(b"grammar-property-secret-0123456789abcdef")

# -- values ----------------------------------------------------------------------------

# Text the grammar must carry verbatim: its own delimiters, quotes, escapes,
# surrounding spaces, the empty string, wildcards and the words it uses.
TRICKY_TEXT = [
    "",
    " ",
    "  padded  ",
    " leading",
    "trailing ",
    "a,b",
    ",",
    "(",
    ")",
    "()",
    "(x,y)",
    '"',
    '""',
    'say "hi"',
    "\\",
    "back\\slash",
    '\\"',
    'a\\",b',
    "null",
    "true",
    "false",
    "*",
    "*lamp*",
    "50%_off",
    "not.eq.x",
    "eq.",
    ".",
    "or(name.eq.1)",
    "a=b&c=d",
    "+plus+",
    "#hash",
    "x' OR '1'='1",
    "); DROP TABLE items; --",
    "école",
    "🦄 unicorn",
    "\t\n",
]
_GRAMMAR_CHARACTERS = st.sampled_from([*",()\"\\ *.%_&=+#'-", "a", "Z", "é", "🦄", "\t"])

texts: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(_GRAMMAR_CHARACTERS, max_size=10),
    unicode_text(max_size=12),
)
# Within the grammar's numerals: 32-bit integers, 20 + 20 digits for decimals.
integers = st.one_of(
    # INTEGER columns are 32-bit: the grammar accepts exactly that range.
    st.sampled_from([0, 1, -1, 2**31 - 1, -(2**31)]),
    st.integers(-(2**31), 2**31 - 1),
)
decimals = st.one_of(
    st.sampled_from(
        [Decimal("0.01"), Decimal("9999999999.99"), Decimal("0"), Decimal("-12.50"), Decimal("1")]
    ),
    st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(-(10**15), 10**15),
        st.integers(0, 6),
    ),
)
_OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
timestamps = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    # Other offsets, away from the calendar's ends so the instant exists in UTC.
    st.datetimes(
        min_value=datetime(2, 1, 1),  # noqa: DTZ001 - bounds of naive datetimes for hypothesis
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(_OFFSETS),
    ),
)

VALUES: dict[ColumnType, st.SearchStrategy[object]] = {
    ColumnType.TEXT: texts,
    ColumnType.INTEGER: integers,
    ColumnType.DECIMAL: decimals,
    ColumnType.UUID: st.uuids(),
    ColumnType.TIMESTAMP: timestamps,
}
COMPARISONS = [Operator.EQ, Operator.NEQ, Operator.GT, Operator.GTE, Operator.LT, Operator.LTE]

# -- specifications --------------------------------------------------------------------


@st.composite
def conditions(draw: st.DrawFn) -> FieldSpecification:
    """One ``field operator value`` over a filterable field, with any operator it admits."""
    field = draw(st.sampled_from(sorted(CATALOG.filterable)))
    kind = CATALOG.filterable[field].type
    operators = [*COMPARISONS, Operator.IN, Operator.IS]
    if kind is ColumnType.TEXT:
        operators += [Operator.LIKE, Operator.ILIKE]
    operator = draw(st.sampled_from(operators))
    if operator is Operator.IS:
        return FieldSpecification(field, operator, None)
    if operator is Operator.IN:
        values = draw(st.lists(VALUES[kind], min_size=1, max_size=4))
        return FieldSpecification(field, operator, tuple(values))
    return FieldSpecification(field, operator, draw(VALUES[kind]))


def _negated(spec: FieldSpecification | CompositeSpecification) -> Specification:
    return NotSpecification(spec)


leaves: st.SearchStrategy[Specification] = st.one_of(conditions(), conditions().map(_negated))


def _composites(
    children: st.SearchStrategy[Specification],
) -> st.SearchStrategy[Specification]:
    composite = st.builds(
        CompositeSpecification,
        st.sampled_from(Junction),
        st.lists(children, min_size=2, max_size=3).map(tuple),
    )
    return st.one_of(composite, composite.map(_negated))


specifications: st.SearchStrategy[Specification] = st.recursive(leaves, _composites, max_leaves=8)


@st.composite
def sorts(draw: st.DrawFn) -> list[str]:
    """What a client writes after ``sort=``: distinct sortable fields, ``-`` for descending."""
    fields = draw(st.lists(st.sampled_from(sorted(CATALOG.sortable)), unique=True, max_size=4))
    return [("-" if draw(st.booleans()) else "") + field for field in fields]


windows = st.one_of(
    st.builds(PageRequest, st.integers(1, 10_000_000), st.integers(1, 100)),
    st.builds(KeysetRequest, st.integers(1, 100)),
)


def _window_params(window: PageRequest | KeysetRequest) -> list[tuple[str, str]]:
    if isinstance(window, PageRequest):
        return [("page", str(window.page)), ("size", str(window.size))]
    return [("limit", str(window.limit))]


def _over_http(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """What the server reads after ``params`` travelled in a URL."""
    return parse_qsl(urlencode(params), keep_blank_values=True, strict_parsing=False)


# -- round trip ------------------------------------------------------------------------


@settings(max_examples=300)
@given(specifications)
def test_a_specification_survives_the_query_string(spec: Specification) -> None:
    parsed = parse_list_query(_over_http(to_query(spec)), CATALOG, CODEC)

    assert isinstance(parsed, Success), parsed
    assert parsed.unwrap().filter == spec


@settings(max_examples=200)
@given(st.lists(specifications, max_size=3), sorts(), windows)
def test_a_whole_list_query_survives_the_query_string(
    parts: list[Specification], sort_fields: list[str], window: PageRequest | KeysetRequest
) -> None:
    spec = all_of(parts)
    sort = Sort.parse_fields(sort_fields)
    params = [*to_query(spec), *_window_params(window)]
    if sort_fields:
        params.append(("sort", ",".join(sort_fields)))

    parsed = parse_list_query(_over_http(params), CATALOG, CODEC)

    assert parsed == Success(ListQuery(spec, sort, window, fingerprint(spec, sort)))


@given(sorts())
def test_a_rendered_sort_parses_back_to_itself(sort_fields: list[str]) -> None:
    sort = Sort.parse_fields(sort_fields)

    parsed = parse_list_query([("sort", str(sort))], CATALOG, CODEC)

    assert isinstance(parsed, Success), parsed
    assert parsed.unwrap().sort == sort
    assert parsed.unwrap().sort.keys[-1].field == "id"


@given(sorts())
def test_every_sort_ends_with_id_in_the_direction_of_the_last_key(
    sort_fields: list[str],
) -> None:
    params = [("sort", ",".join(sort_fields))] if sort_fields else []

    parsed = parse_list_query(params, CATALOG, CODEC)

    given_keys = [SortKey(f.removeprefix("-"), f.startswith("-")) for f in sort_fields]
    names = [key.field for key in given_keys]
    if "id" in names:  # keys after id can never matter
        expected = given_keys[: names.index("id") + 1]
    else:
        expected = [*given_keys, SortKey("id", given_keys[-1].descending if given_keys else False)]
    assert list(parsed.unwrap().sort.keys) == expected


@settings(max_examples=150)
@given(st.lists(specifications, min_size=2, max_size=4), sorts(), st.randoms())
def test_the_fingerprint_ignores_the_order_of_top_level_parameters(
    parts: list[Specification], sort_fields: list[str], random: Random
) -> None:
    params = [*to_query(all_of(parts))]
    shuffled = list(params)
    random.shuffle(shuffled)
    sort = [("sort", ",".join(sort_fields))] if sort_fields else []

    first = parse_list_query(_over_http([*params, *sort]), CATALOG, CODEC).unwrap()
    second = parse_list_query(_over_http([*sort, *shuffled]), CATALOG, CODEC).unwrap()

    assert first.fingerprint == second.fingerprint


# -- totality --------------------------------------------------------------------------

# Fragments of well-formed and ill-formed queries, so the fuzz reaches deep
# into the grammar rather than failing on the first character.
_KEYS = [*sorted(CATALOG.filterable), "or", "and", "not.or", "not.and", "sort", "page"]
_KEYS += ["size", "limit", "cursor", "version", "deleted_at", "name;--", "", "Name"]
_FRAGMENTS = [
    *(operator.value + "." for operator in Operator),
    "not.",
    "(",
    ")",
    ",",
    '"',
    "\\",
    ".",
    "-",
    "null",
    "true",
    "1",
    "-5",
    "1.5",
    "12.50",
    "abc",
    "*",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "01234567-89ab-7def-8123-456789abcdef",
    *(f"{field}." for field in sorted(CATALOG.filterable)),
    "or(",
    "and(",
    "not.and(",
    "0",
    "101",
    "eyJ.abc",
]
fuzz_values = st.one_of(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=8).map("".join),
    st.text(max_size=12),
)
fuzz_params = st.lists(st.tuples(st.sampled_from(_KEYS) | st.text(max_size=6), fuzz_values))


@settings(max_examples=400)
@given(fuzz_params)
def test_parsing_any_query_string_answers_a_result_naming_what_was_sent(
    params: list[tuple[str, str]],
) -> None:
    parsed = parse_list_query(params, CATALOG, CODEC)  # must not raise

    if isinstance(parsed, Failure):
        error = parsed.failure()
        assert isinstance(error, MalformedRequest)
        assert error.errors
        sent = {key for key, _ in params}
        assert {e.field for e in error.errors} <= sent


# -- nothing from the query reaches SQL text ------------------------------------------

_COLUMNS = {column.name for column in ITEM_TABLE.mapping.columns}
_SQL_WORDS = {"AND", "OR", "NOT", "IS", "NULL", "IN", "LIKE", "ESCAPE", "lower"}
_SQL_WORDS |= {"SELECT", "value", "FROM", "json_each"}  # SQLite's in list, one JSON array
_SQL_TOKEN = re.compile(r"\s*(\$\d+|\?\d+|'\\'|<>|<=|>=|[=<>(),]|[A-Za-z_][A-Za-z0-9_]*)")


def _tokens(text: str) -> list[str]:
    """``text`` split into SQL tokens; anything unexpected fails the split."""
    found: list[str] = []
    at = 0
    while at < len(text):
        match = _SQL_TOKEN.match(text, at)
        assert match is not None, f"unexpected SQL at {at}: {text[at:]!r}"
        found.append(match.group(1))
        at = match.end()
    return found


@settings(max_examples=200)
@given(st.one_of(specifications.map(to_query), fuzz_params))
def test_what_parses_compiles_to_sql_built_only_from_the_grammar_vocabulary(
    params: list[tuple[str, str]],
) -> None:
    parsed = parse_list_query(_over_http(params), CATALOG, CODEC)
    if not isinstance(parsed, Success) or parsed.unwrap().filter is None:
        return
    spec = parsed.unwrap().filter
    assert spec is not None
    for dialect, placeholder in ((POSTGRESQL, r"\$"), (SQLITE, r"\?")):
        condition = spec.to_sql_condition(dialect, ITEM_TABLE.mapping).unwrap()

        tokens = _tokens(condition.text)
        marks = [token for token in tokens if re.fullmatch(placeholder + r"\d+", token)]
        words = {token for token in tokens if re.fullmatch(r"[A-Za-z_]\w*", token)}
        assert words <= _SQL_WORDS | _COLUMNS
        assert marks == [f"{placeholder[-1]}{n}" for n in range(1, len(condition.params) + 1)]
    order_by = parsed.unwrap().sort.order_by({"description"})
    assert set(_tokens(order_by)) <= (_COLUMNS | {"ASC", "DESC", "NULLS", "FIRST", "LAST", ","})
