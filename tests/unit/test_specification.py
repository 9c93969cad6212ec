"""Specifications: SQL's three-valued logic in Python, and safe SQL text.

``truth`` is True, False or None (SQL's UNKNOWN): a comparison with a NULL
field is unknown, ``not`` keeps unknown unknown, and/or follow Kleene's
tables, ``is.null`` is never unknown; an entity is selected only when the
whole predicate is True. ``to_sql_condition`` renders only declared column
names, keywords and numbered placeholders; every value travels as a bound
parameter. (tests/property/test_specification_sql.py holds the two readings
to each other on real databases.)
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE, Dialect
from my_api.adapters.sql.statements import compile_table, count_query, list_query
from my_api.application.items import ITEM_TABLE
from my_api.domain.item import Item
from my_api.kernel.like import ascii_lower, sql_like_pattern
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import (
    CompositeSpecification,
    FieldSpecification,
    HasElement,
    Junction,
    NotSpecification,
    Operator,
    Specification,
    SpecificationBuilder,
    Truth,
    all_of,
)
from tests.spec_strategies import pooled_items, specifications, value_pools

MAPPING = ITEM_TABLE.mapping
DIALECTS = [pytest.param(SQLITE, id="sqlite"), pytest.param(POSTGRESQL, id="postgresql")]
MOMENT = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def an_item(**changes: Any) -> Item:
    item = Item(
        id=UUID("0b7e8c55-6a43-4f0e-9d2a-3c1f5e6d7a8b"),
        name="Desk lamp",
        description=None,
        price=Decimal("12.50"),
        quantity=1,
        created_at=MOMENT,
        updated_at=MOMENT,
    )
    return attrs.evolve(item, **changes)


ITEM = an_item()  # quantity 1, description NULL

# Leaves of known truth on ITEM.
TRUE = FieldSpecification("quantity", Operator.EQ, 1)
FALSE = FieldSpecification("quantity", Operator.EQ, 2)
UNKNOWN = FieldSpecification("description", Operator.EQ, "x")
LEAVES: dict[Truth, Specification] = {True: TRUE, False: FALSE, None: UNKNOWN}


def test_the_leaves_used_below_have_the_truth_they_are_named_after() -> None:
    assert TRUE.truth(ITEM) is True
    assert FALSE.truth(ITEM) is False
    assert UNKNOWN.truth(ITEM) is None


# --- NULL: comparisons are unknown, is.null never is ---------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        FieldSpecification("description", Operator.EQ, "x"),
        FieldSpecification("description", Operator.NEQ, "x"),
        FieldSpecification("description", Operator.GT, ""),
        FieldSpecification("description", Operator.GTE, ""),
        FieldSpecification("description", Operator.LT, "zzz"),
        FieldSpecification("description", Operator.LTE, "zzz"),
        FieldSpecification("description", Operator.LIKE, "*"),
        FieldSpecification("description", Operator.ILIKE, "*"),
        FieldSpecification("description", Operator.IN, ("x", "y")),
    ],
    ids=lambda condition: condition.operator.value,
)
def test_a_comparison_with_a_null_field_is_unknown_and_so_is_its_negation(
    condition: FieldSpecification,
) -> None:
    assert condition.truth(ITEM) is None
    assert NotSpecification(condition).truth(ITEM) is None
    # Unknown is not selected, either way round.
    assert not condition.is_satisfied_by(ITEM)
    assert not NotSpecification(condition).is_satisfied_by(ITEM)


def test_neq_and_not_eq_both_skip_a_null_description_but_select_another_value() -> None:
    neq = FieldSpecification("description", Operator.NEQ, "x")
    not_eq = ~FieldSpecification("description", Operator.EQ, "x")
    for spec in (neq, not_eq):
        assert not spec.is_satisfied_by(an_item(description=None))
        assert spec.is_satisfied_by(an_item(description="y"))
        assert not spec.is_satisfied_by(an_item(description="x"))


def test_is_null_is_true_or_false_never_unknown() -> None:
    is_null = FieldSpecification("description", Operator.IS, None)
    assert is_null.truth(an_item(description=None)) is True
    assert is_null.truth(an_item(description="")) is False
    assert (~is_null).truth(an_item(description=None)) is False
    assert (~is_null).truth(an_item(description="")) is True


@pytest.mark.parametrize("field", ["id", "name", "price", "quantity", "created_at", "updated_at"])
def test_is_null_on_a_field_that_always_has_a_value_is_false(field: str) -> None:
    assert FieldSpecification(field, Operator.IS, None).truth(ITEM) is False


def test_comparisons_on_present_values_are_plain_booleans() -> None:
    item = an_item(description="b")
    assert FieldSpecification("description", Operator.GT, "a").truth(item) is True
    assert FieldSpecification("description", Operator.LT, "a").truth(item) is False
    assert FieldSpecification("description", Operator.IN, ("a", "b")).truth(item) is True
    assert FieldSpecification("price", Operator.GTE, Decimal("12.50")).truth(item) is True
    assert FieldSpecification("price", Operator.GT, Decimal("12.50")).truth(item) is False


# --- Kleene's and/or ------------------------------------------------------------------

T, F, U = True, False, None
AND_TABLE: dict[tuple[Truth, Truth], Truth] = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR_TABLE: dict[tuple[Truth, Truth], Truth] = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip
NOT_TABLE: dict[Truth, Truth] = {T: F, F: T, U: U}


@pytest.mark.parametrize(("left", "right"), list(AND_TABLE))
def test_and_follows_kleenes_table(left: Truth, right: Truth) -> None:
    spec = CompositeSpecification(Junction.AND, (LEAVES[left], LEAVES[right]))
    assert spec.truth(ITEM) is AND_TABLE[left, right]
    assert spec.is_satisfied_by(ITEM) is (AND_TABLE[left, right] is True)


@pytest.mark.parametrize(("left", "right"), list(OR_TABLE))
def test_or_follows_kleenes_table(left: Truth, right: Truth) -> None:
    spec = CompositeSpecification(Junction.OR, (LEAVES[left], LEAVES[right]))
    assert spec.truth(ITEM) is OR_TABLE[left, right]
    assert spec.is_satisfied_by(ITEM) is (OR_TABLE[left, right] is True)


@pytest.mark.parametrize("inner", list(NOT_TABLE))
def test_not_swaps_true_and_false_and_keeps_unknown(inner: Truth) -> None:
    assert NotSpecification(LEAVES[inner]).truth(ITEM) is NOT_TABLE[inner]


@pytest.mark.parametrize(
    ("junction", "truths", "expected"),
    [
        (Junction.AND, (T, T, T), T),
        (Junction.AND, (T, U, T), U),
        (Junction.AND, (U, T, F), F),
        (Junction.OR, (F, F, F), F),
        (Junction.OR, (F, U, F), U),
        (Junction.OR, (U, F, T), T),
    ],
)
def test_n_ary_composites_fold_the_same_tables(
    junction: Junction, truths: tuple[Truth, ...], expected: Truth
) -> None:
    spec = CompositeSpecification(junction, tuple(LEAVES[truth] for truth in truths))
    assert spec.truth(ITEM) is expected


@st.composite
def _specs_and_item(draw: st.DrawFn) -> tuple[Specification, Specification, Item]:
    pool = draw(value_pools())
    return (
        draw(specifications(pool, max_leaves=4)),
        draw(specifications(pool, max_leaves=4)),
        draw(pooled_items(pool)),
    )


@settings(max_examples=100)
@given(case=_specs_and_item())
def test_selection_laws_hold_in_three_valued_logic(
    case: tuple[Specification, Specification, Item],
) -> None:
    a, b, item = case
    # An and/or selects exactly when its parts do (unknown selects nothing).
    assert (a & b).is_satisfied_by(item) == (a.is_satisfied_by(item) and b.is_satisfied_by(item))
    assert (a | b).is_satisfied_by(item) == (a.is_satisfied_by(item) or b.is_satisfied_by(item))
    # De Morgan and double negation keep their truth, unknown included.
    assert (~(a & b)).truth(item) is (~a | ~b).truth(item)
    assert (~(a | b)).truth(item) is (~a & ~b).truth(item)
    assert (~~a).truth(item) is a.truth(item)
    # ...but "not selected" is not "the negation is selected": unknown is neither.
    assert (~a).is_satisfied_by(item) == (a.truth(item) is False)


# --- building ----------------------------------------------------------------------------

PRICEY = FieldSpecification("price", Operator.GTE, Decimal("10.00"))
LAMPS = FieldSpecification("name", Operator.ILIKE, "*lamp*")
EMPTY = FieldSpecification("quantity", Operator.EQ, 0)


def test_and_or_and_invert_build_the_matching_composites() -> None:
    both, either, negated = PRICEY & LAMPS, PRICEY | LAMPS, ~PRICEY
    assert both == CompositeSpecification(Junction.AND, (PRICEY, LAMPS))
    assert either == CompositeSpecification(Junction.OR, (PRICEY, LAMPS))
    assert negated == NotSpecification(PRICEY)
    nested, negated_group = (PRICEY & LAMPS) | ~EMPTY, ~(PRICEY | EMPTY)
    assert nested == CompositeSpecification(
        Junction.OR,
        (CompositeSpecification(Junction.AND, (PRICEY, LAMPS)), NotSpecification(EMPTY)),
    )
    assert negated_group == NotSpecification(CompositeSpecification(Junction.OR, (PRICEY, EMPTY)))


@pytest.mark.parametrize("junction", list(Junction))
@pytest.mark.parametrize("parts", [(), (PRICEY,)], ids=["no part", "one part"])
def test_a_composite_needs_at_least_two_parts(
    junction: Junction, parts: tuple[Specification, ...]
) -> None:
    with pytest.raises(ValueError, match="at least two"):
        CompositeSpecification(junction, parts)


def test_a_composite_keeps_its_parts_in_order_and_may_have_many() -> None:
    spec = CompositeSpecification(Junction.OR, (EMPTY, PRICEY, LAMPS))
    assert spec.parts == (EMPTY, PRICEY, LAMPS)
    assert spec.fields() == frozenset({"quantity", "price", "name"})


def test_the_builder_joins_its_conditions_with_and() -> None:
    builder = (
        SpecificationBuilder()
        .where("price", "gte", Decimal("10.00"))
        .where("name", "ilike", "*lamp*")
    )
    assert builder.build() == CompositeSpecification(Junction.AND, (PRICEY, LAMPS))


def test_the_builder_with_one_condition_builds_that_condition_and_with_none_builds_none() -> None:
    assert SpecificationBuilder().where("price", "gte", Decimal("10.00")).build() == PRICEY
    assert SpecificationBuilder().build() is None


def test_the_builder_negates_with_where_not_and_groups_with_any_of() -> None:
    spec = (
        SpecificationBuilder()
        .where_not("quantity", "eq", 0)
        .any_of(PRICEY, LAMPS)
        .where("description", "is")
        .build()
    )
    assert spec == CompositeSpecification(
        Junction.AND,
        (
            NotSpecification(EMPTY),
            CompositeSpecification(Junction.OR, (PRICEY, LAMPS)),
            FieldSpecification("description", Operator.IS, None),
        ),
    )


def test_the_builder_refuses_an_unknown_operator() -> None:
    with pytest.raises(ValueError, match="between"):
        SpecificationBuilder().where("price", "between", 1)


def test_all_of_normalises_none_and_one_part() -> None:
    assert all_of([]) is None
    assert all_of([PRICEY]) is PRICEY
    assert all_of(iter([PRICEY, LAMPS])) == CompositeSpecification(Junction.AND, (PRICEY, LAMPS))
    assert all_of([PRICEY, LAMPS, EMPTY]) == CompositeSpecification(
        Junction.AND, (PRICEY, LAMPS, EMPTY)
    )


# --- SQL text: declared columns only ------------------------------------------------------

HOSTILE_FIELDS = [
    "nonexistent",
    "name; DROP TABLE items; --",
    "name) OR (1=1",
    'items"."name',
    "NAME",
    "",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("field", HOSTILE_FIELDS)
def test_a_field_that_is_not_a_column_is_refused_and_never_rendered(
    dialect: Dialect, field: str
) -> None:
    alone = FieldSpecification(field, Operator.EQ, "x")
    hidden = PRICEY & (LAMPS | ~alone)
    for spec in (alone, hidden):
        outcome = spec.to_sql_condition(dialect, MAPPING)
        assert isinstance(outcome, Failure)
        # No SQL is produced at all, so the name cannot reach a statement.
        compiled = compile_table(MAPPING, dialect)
        assert isinstance(
            list_query(compiled, spec, Sort(()), limit=10, offset=0, keyset=None), Failure
        )
        assert isinstance(count_query(compiled, spec), Failure)


# The grammar of a compiled condition: declared column names, a few keywords,
# comparison operators, numbered placeholders, parentheses and the escape literal.
_KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ESCAPE", "lower"}
_KEYWORDS |= {"SELECT", "value", "FROM", "json_each"}  # SQLite's in list, one JSON array
_TOKEN = re.compile(
    r"\s*(?:(?P<placeholder>[?$](?P<number>[0-9]+))|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<escape>'\\')|(?P<operator><>|<=|>=|=|<|>)|(?P<punctuation>[(),]))"
)


def _placeholders(text: str) -> list[int]:
    """The placeholder numbers in ``text``, in order; fails on anything else."""
    numbers: list[int] = []
    position = 0
    while position < len(text.rstrip()):
        token = _TOKEN.match(text, position)
        assert token is not None, f"unexpected SQL text at {text[position:]!r}"
        word = token.group("word")
        assert word is None or word in _KEYWORDS or word in MAPPING.names, word
        if token.group("number") is not None:
            numbers.append(int(token.group("number")))
        position = token.end()
    return numbers


def _leaf_values(spec: FieldSpecification, dialect: Dialect) -> list[Any]:
    encode = partial(dialect.encode, MAPPING.column(spec.field).type)
    match spec.operator:
        case Operator.IS:
            return []
        case Operator.IN if dialect.in_json_list is not None:
            return [json.dumps([encode(one) for one in spec.value])]
        case Operator.IN:
            return [encode(one) for one in spec.value]
        case Operator.LIKE:
            return [sql_like_pattern(spec.value)]
        case Operator.ILIKE:
            return [sql_like_pattern(ascii_lower(spec.value))]
        case _:
            return [encode(spec.value)]


def _bound_values(spec: Specification, dialect: Dialect) -> list[Any]:
    """The values of ``spec``, in reading order, as the dialect binds them."""
    match spec:
        case FieldSpecification():
            return _leaf_values(spec, dialect)
        case NotSpecification(inner=inner):
            return _bound_values(inner, dialect)
        case CompositeSpecification(parts=parts):
            return [value for part in parts for value in _bound_values(part, dialect)]
        case HasElement():  # the item strategies never build one (tests/unit/test_has_element.py)
            raise AssertionError(spec)


@st.composite
def _specs(draw: st.DrawFn) -> Specification:
    return draw(specifications(draw(value_pools())))


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=100)
@given(spec=_specs(), first_param=st.integers(1, 50))
def test_every_value_is_a_bound_parameter_numbered_from_first_param(
    dialect: Dialect, spec: Specification, first_param: int
) -> None:
    outcome = spec.to_sql_condition(dialect, MAPPING, first_param)
    assert isinstance(outcome, Success)
    condition = outcome.unwrap()
    numbers = _placeholders(condition.text)
    assert numbers == list(range(first_param, first_param + len(condition.params)))
    assert list(condition.params) == _bound_values(spec, dialect)


HOSTILE_VALUES = [
    "x'; DROP TABLE items; --",
    "' OR '1'='1",
    "\\'; SELECT 1; --",
    '") OR ("1"="1',
    "$1",
    "?1",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("value", HOSTILE_VALUES)
@pytest.mark.parametrize("operator", [Operator.EQ, Operator.LIKE, Operator.ILIKE, Operator.IN])
def test_a_hostile_value_travels_as_a_parameter_and_never_in_the_text(
    dialect: Dialect, value: str, operator: Operator
) -> None:
    spec = FieldSpecification("name", operator, (value,) if operator is Operator.IN else value)
    condition = spec.to_sql_condition(dialect, MAPPING, first_param=7).unwrap()
    assert value not in condition.text
    assert condition.params == tuple(_bound_values(spec, dialect))
    assert _placeholders(condition.text) == [7]


@pytest.mark.parametrize(
    ("dialect", "text", "params"),
    [
        (
            POSTGRESQL,
            "(price >= $4 AND NOT (lower(name) LIKE $5 ESCAPE '\\') AND description IS NULL)",
            (Decimal("10.00"), "%lamp\\_%"),
        ),
        (
            SQLITE,
            "(price >= ?4 AND NOT (lower(name) LIKE ?5 ESCAPE '\\') AND description IS NULL)",
            ("10.00", "%lamp\\_%"),
        ),
    ],
    ids=["postgresql", "sqlite"],
)
def test_placeholder_numbering_starts_at_first_param(
    dialect: Dialect, text: str, params: tuple[Any, ...]
) -> None:
    spec = CompositeSpecification(
        Junction.AND,
        (
            PRICEY,
            ~FieldSpecification("name", Operator.ILIKE, "*LAMP_*"),
            FieldSpecification("description", Operator.IS, None),
        ),
    )
    condition = spec.to_sql_condition(dialect, MAPPING, first_param=4).unwrap()
    assert condition.text == text
    assert condition.params == params


def test_in_binds_one_placeholder_per_value_on_postgresql() -> None:
    spec = FieldSpecification("quantity", Operator.IN, (1, 2, 3))
    condition = spec.to_sql_condition(POSTGRESQL, MAPPING).unwrap()
    assert _placeholders(condition.text) == [1, 2, 3]
    assert condition.params == (1, 2, 3)


def test_in_binds_the_whole_list_as_one_json_array_on_sqlite() -> None:
    spec = FieldSpecification("price", Operator.IN, (Decimal("1.50"), Decimal(2)))
    condition = spec.to_sql_condition(SQLITE, MAPPING).unwrap()
    assert condition.text == "price IN (SELECT value FROM json_each(?1))"
    assert condition.params == ('["1.50", "2"]',)
