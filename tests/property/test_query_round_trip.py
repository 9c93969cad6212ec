"""Laws of rendering a filter back to a query string, for every shape it can take.

* Any specification, with negations at any depth (``not`` of ``not``, ``not`` of a
  negated condition, ``not`` of a group), renders with ``to_query`` and parses back
  identical.
* Every query string the parser accepts renders back, and the rendering parses to
  the same filter and the same fingerprint (the cursor binding).

``test_query_grammar.py`` draws specifications in canonical form; these draw
every form, and query strings written the way a client (or a fuzzer) writes them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Success

from my_api.adapters.http.query_language import parse_list_query
from my_api.adapters.http.query_text import fingerprint, to_query
from my_api.kernel.specification import (
    CompositeSpecification,
    Junction,
    NotSpecification,
    Specification,
)
from tests.property.test_query_grammar import CATALOG, CODEC, _over_http, conditions


def _nested(children: st.SearchStrategy[Specification]) -> st.SearchStrategy[Specification]:
    composite = st.builds(
        CompositeSpecification,
        st.sampled_from(Junction),
        st.lists(children, min_size=2, max_size=3).map(tuple),
    )
    return st.one_of(composite, children.map(NotSpecification))


any_specification: st.SearchStrategy[Specification] = st.recursive(
    conditions(), _nested, max_leaves=6
)


@settings(max_examples=300)
@given(any_specification)
def test_any_specification_with_negations_at_any_depth_renders_and_parses_back(
    spec: Specification,
) -> None:
    parsed = parse_list_query(_over_http(to_query(spec)), CATALOG, CODEC)

    assert isinstance(parsed, Success), parsed
    assert parsed.unwrap().filter == spec


# -- query strings as clients write them -------------------------------------------------

_CONDITIONS = [
    "quantity.eq.1",
    "quantity.not.eq.1",
    "quantity.in.(1,2)",
    "quantity.not.in.(3)",
    "price.gte.10",
    "name.like.*a*",
    'name.eq."a,b"',
    "description.is.null",
    "description.not.is.null",
]
_PARAM_CONDITIONS = [
    ("quantity", "eq.1"),
    ("quantity", "not.eq.1"),
    ("name", "not.in.(a,b)"),
    ("description", "is.null"),
]


def _group(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``[not.]or(...)`` / ``[not.]and(...)`` of one or more items: one is allowed."""
    return st.builds(
        lambda negated, junction, parts: f"{negated}{junction}({','.join(parts)})",
        st.sampled_from(["", "not."]),
        st.sampled_from(["or", "and"]),
        st.lists(items, min_size=1, max_size=3),
    )


group_items: st.SearchStrategy[str] = st.recursive(
    st.sampled_from(_CONDITIONS), _group, max_leaves=6
)
group_params = st.tuples(
    st.sampled_from(["or", "and", "not.or", "not.and"]),
    st.lists(group_items, min_size=1, max_size=3).map(lambda parts: f"({','.join(parts)})"),
)
query_params = st.lists(st.one_of(group_params, st.sampled_from(_PARAM_CONDITIONS)), max_size=4)


@settings(max_examples=400)
@given(query_params)
def test_every_accepted_query_renders_back_to_the_same_filter_and_fingerprint(
    params: list[tuple[str, str]],
) -> None:
    parsed = parse_list_query(params, CATALOG, CODEC)  # must not raise
    if not isinstance(parsed, Success):
        return
    query = parsed.unwrap()

    again = parse_list_query(_over_http(to_query(query.filter)), CATALOG, CODEC)

    assert isinstance(again, Success), again
    assert again.unwrap().filter == query.filter
    assert again.unwrap().fingerprint == query.fingerprint == fingerprint(query.filter, query.sort)


def test_a_negated_group_holding_a_negation_renders_back() -> None:
    for params in (
        [("not.and", "(quantity.not.eq.1)")],
        [("not.or", "(not.or(name.eq.a,name.eq.b))")],
        [("or", "(not.and(not.and(not.and(quantity.eq.1))),price.gt.1)")],
    ):
        query = parse_list_query(params, CATALOG, CODEC).unwrap()

        again = parse_list_query(_over_http(to_query(query.filter)), CATALOG, CODEC)

        assert again.unwrap().filter == query.filter
