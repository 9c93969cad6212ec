"""Keyset walks: following cursors page by page lists every matching row once, in order.

The law, for random data (ties and NULL descriptions on purpose), random
total orders (mixed directions, the nullable ``description`` included),
random filters and random limits, on the in-memory adapter, SQLite and
PostgreSQL, through the real ``list`` pipeline (``shared/crud.py``
``keyset_page``, ``shared/keyset.py``, ``sql_statements.list_query``):

- walking forward with ``next`` from the first page until it is null yields
  the filtered, sorted result exactly (each row once, in order), which is
  also what one offset page of everything holds;
- walking backward with ``prev`` from the last page yields the same sequence;
- the first page has no ``prev`` and the last page has no ``next``.

Every boundary travels through ``CursorCodec`` on its way to the next request,
as it does over HTTP, so the typed values (Decimal, datetime, UUID, None)
survive the trip the way a client's cursor does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.future import FutureResult
from returns.result import Success

from my_api.adapters.http.query_text import fingerprint
from my_api.application.items import ITEM_TABLE, ITEMS, ItemInput
from my_api.application.use_cases import CrudUseCases
from my_api.domain.item import Item
from my_api.kernel.clock import new_id, utc_now
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import KeysetPage, KeysetRequest, ListQuery
from my_api.kernel.pagination import Page, PageRequest
from my_api.kernel.sorting import Sort, SortKey
from my_api.kernel.specification import (
    FieldSpecification,
    NotSpecification,
    Operator,
    Specification,
)
from my_api.kernel.unit_of_work import Session, UnitOfWork
from tests.conftest import Adapter

CODEC = CursorCodec(b"keyset-walk-test-secret")
CATALOG = ITEMS.catalog
MAX_INT32 = 2**31 - 1

Items = CrudUseCases[Item, ItemInput]

# -- data with many ties ---------------------------------------------------------------

# Few distinct values per field, so equal keys (and the id tie-breaker) are the rule.
_names = st.sampled_from(["a", "b", "B", "a b", "é", "\U0001f600"])
_descriptions = st.sampled_from([None, None, "", "x", "X", "é"])
_prices = st.sampled_from(
    [Decimal("0.01"), Decimal("1.00"), Decimal("10.00"), Decimal("9999999999.99")]
)
_quantities = st.sampled_from([0, 1, 2, MAX_INT32])
_moments = st.sampled_from(
    [
        datetime(2001, 1, 1, tzinfo=UTC),
        datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        datetime(2026, 5, 6, 7, 8, 9, 123457, tzinfo=UTC),
    ]
)


@st.composite
def _item(draw: st.DrawFn) -> Item:
    created_at, updated_at = sorted([draw(_moments), draw(_moments)])
    return Item(
        id=draw(st.uuids()),
        name=draw(_names),
        description=draw(_descriptions),
        price=draw(_prices),
        quantity=draw(_quantities),
        created_at=created_at,
        updated_at=updated_at,
    )


data_sets = st.lists(_item(), max_size=25, unique_by=lambda item: item.id)


@st.composite
def sorts(draw: st.DrawFn) -> Sort:
    """Zero to three declared sortable fields (``id`` among them), each either way."""
    fields = draw(st.lists(st.sampled_from(sorted(CATALOG.sortable)), unique=True, max_size=3))
    return Sort(tuple(SortKey(field, draw(st.booleans())) for field in fields))


@st.composite
def row_comparison_sorts(draw: st.DrawFn) -> Sort:
    """Sorts whose keyset condition is a row comparison: NOT NULL keys, one direction."""
    non_null = sorted(CATALOG.sortable - {"description"})
    fields = draw(st.lists(st.sampled_from(non_null), unique=True, max_size=3))
    descending = draw(st.booleans())
    return Sort(tuple(SortKey(field, descending) for field in fields))


filters: st.SearchStrategy[Specification | None] = st.one_of(
    st.none(),
    st.sampled_from(
        [
            FieldSpecification("quantity", Operator.GTE, 1),
            FieldSpecification("description", Operator.IS, None),
            NotSpecification(FieldSpecification("description", Operator.IS, None)),
            # Three-valued: NULL descriptions are not "not x".
            FieldSpecification("description", Operator.NEQ, "x"),
            FieldSpecification("name", Operator.IN, ("a", "é")),
            FieldSpecification("price", Operator.LT, Decimal("10.00"))
            | FieldSpecification("name", Operator.EQ, "B"),
        ]
    ),
)

# -- backends --------------------------------------------------------------------------


@attrs.frozen
class Backend:
    unit_of_work: UnitOfWork
    clear: Callable[[], Awaitable[None]]

    @property
    def items(self) -> Items:
        return CrudUseCases.on(ITEMS, self.unit_of_work, utc_now, new_id)

    async def seed(self, rows: Sequence[Item]) -> None:
        await self.clear()

        def add_all(session: Session) -> FutureResult[None, AppError]:
            repo = session.repository(ITEM_TABLE)
            outcome: FutureResult[Any, AppError] = FutureResult.from_value(None)
            for row in rows:
                outcome = outcome.bind(lambda _, row=row: repo.add(row))  # type: ignore[misc]
            return outcome.map(lambda _: None)

        assert performed(
            await self.unit_of_work.atomically(lambda s: add_all(s).map(Emitted))
        ) == Success(None)


@pytest.fixture
def backend(adapter: Adapter) -> Backend:
    return Backend(adapter.unit_of_work, adapter.clear)


# -- walking ---------------------------------------------------------------------------


def relayed(query: ListQuery, boundary: tuple[Any, ...], *, after: bool) -> Keyset:
    """The keyset the next request carries: the boundary, through a signed cursor."""
    token = CODEC.encode(Keyset(boundary, after=after), query.fingerprint)
    types = [CATALOG.column(key.field).type for key in query.sort.keys]
    decoded = CODEC.decode(token, query.fingerprint, types)
    assert isinstance(decoded, Success), decoded
    keyset: Keyset = decoded.unwrap()
    return keyset


async def keyset_page(
    items: Items, query: ListQuery, limit: int, keyset: Keyset | None
) -> KeysetPage[Item]:
    outcome = performed(await items.list(attrs.evolve(query, window=KeysetRequest(limit, keyset))))
    assert isinstance(outcome, Success), outcome
    page = outcome.unwrap()
    assert isinstance(page, KeysetPage)
    return page


async def walk_forward(items: Items, query: ListQuery, limit: int, bound: int) -> list[Item]:
    """Pages from the first, following ``next`` until it is null; checks each page's ends."""
    page = await keyset_page(items, query, limit, None)
    assert page.prev_boundary is None, "the first page has no previous page"
    seen = list(page.items)
    for _ in range(bound):
        if page.next_boundary is None:
            return seen
        assert len(page.items) == limit, "only the last page may be short"
        page = await keyset_page(
            items, query, limit, relayed(query, page.next_boundary, after=True)
        )
        assert page.items, "a next cursor never leads to an empty page"
        assert page.prev_boundary is not None, "a page after the first has a previous page"
        seen.extend(page.items)
    pytest.fail(f"the forward walk did not end within {bound} pages")


async def walk_backward(items: Items, query: ListQuery, limit: int, bound: int) -> list[Item]:
    """From the last page, following ``prev`` until it is null; pages prepended."""
    last: KeysetPage[Item] = await keyset_page(items, query, limit, None)
    for _ in range(bound):
        if last.next_boundary is None:
            break
        last = await keyset_page(
            items, query, limit, relayed(query, last.next_boundary, after=True)
        )
    assert last.next_boundary is None, "the last page has no next page"
    page = last
    seen = list(page.items)
    for _ in range(bound):
        if page.prev_boundary is None:
            return seen
        page = await keyset_page(
            items, query, limit, relayed(query, page.prev_boundary, after=False)
        )
        assert page.items, "a prev cursor never leads to an empty page"
        assert page.next_boundary is not None, "a page before the last has a next page"
        seen[:0] = page.items
    pytest.fail(f"the backward walk did not end within {bound} pages")


async def everything(items: Items, query: ListQuery) -> list[Item]:
    outcome = performed(await items.list(attrs.evolve(query, window=PageRequest(1, 100))))
    assert isinstance(outcome, Success), outcome
    page = outcome.unwrap()
    assert isinstance(page, Page)
    return list(page.items)


def a_query(spec: Specification | None, sort: Sort) -> ListQuery:
    return ListQuery(spec, sort, KeysetRequest(), fingerprint(spec, sort))


def ids(rows: Sequence[Item]) -> list[Any]:
    return [row.id for row in rows]


# -- the laws --------------------------------------------------------------------------

_TIED = [
    Item(
        id=UUID(int=n),
        name="a",
        description=None if n % 2 else "x",
        price=Decimal("1.00"),
        quantity=0,
        created_at=datetime(2001, 1, 1, tzinfo=UTC),
        updated_at=datetime(2001, 1, 1, tzinfo=UTC),
    )
    for n in range(1, 4)
]
# The smallest walks through the expanded form (a nullable key; mixed directions). On
# PostgreSQL they once failed: the SQL bound a value it never used, which PostgreSQL
# could not type (a 503 on every page after the first).
_ON_DESCRIPTION = {"rows": _TIED, "sort": Sort.parse_fields(["description"]), "spec": None}
_MIXED = {"rows": _TIED, "sort": Sort.parse_fields(["-price", "name"]), "spec": None}


def matching(rows: Sequence[Item], spec: Specification | None, sort: Sort) -> list[Item]:
    return sort.ordered(row for row in rows if spec is None or spec.is_satisfied_by(row))


@settings(max_examples=40)
@given(rows=data_sets, sort=sorts(), spec=filters, limit=st.integers(1, 5))
@example(**_ON_DESCRIPTION, limit=1)
@example(**_MIXED, limit=2)
async def test_walking_forward_with_next_cursors_lists_every_match_once_in_sort_order(
    backend: Backend, rows: list[Item], sort: Sort, spec: Specification | None, limit: int
) -> None:
    await backend.seed(rows)
    query = a_query(spec, sort)

    walked = await walk_forward(backend.items, query, limit, bound=len(rows) + 2)

    assert ids(walked) == ids(await everything(backend.items, query))
    assert ids(walked) == ids(matching(rows, spec, sort))
    assert walked == matching(rows, spec, sort)


@settings(max_examples=40)
@given(rows=data_sets, sort=sorts(), spec=filters, limit=st.integers(1, 5))
@example(**_ON_DESCRIPTION, limit=1)
@example(**_MIXED, limit=2)
async def test_walking_backward_with_prev_cursors_from_the_last_page_gives_the_same_sequence(
    backend: Backend, rows: list[Item], sort: Sort, spec: Specification | None, limit: int
) -> None:
    await backend.seed(rows)
    query = a_query(spec, sort)

    walked = await walk_backward(backend.items, query, limit, bound=len(rows) + 2)

    assert ids(walked) == ids(matching(rows, spec, sort))


@settings(max_examples=40)
@given(rows=data_sets, sort=row_comparison_sorts(), spec=filters, limit=st.integers(1, 5))
async def test_on_one_way_sorts_of_non_null_keys_both_walks_list_every_match_once_in_order(
    backend: Backend, rows: list[Item], sort: Sort, spec: Specification | None, limit: int
) -> None:
    """The index-friendly case (a row comparison in SQL), on every backend."""
    await backend.seed(rows)
    query = a_query(spec, sort)
    expected = ids(matching(rows, spec, sort))

    assert ids(await walk_forward(backend.items, query, limit, bound=len(rows) + 2)) == expected
    assert ids(await walk_backward(backend.items, query, limit, bound=len(rows) + 2)) == expected


async def test_an_empty_result_is_one_page_with_no_cursors(backend: Backend) -> None:
    await backend.seed([])
    page = await keyset_page(backend.items, a_query(None, Sort(())), 5, None)
    assert page == KeysetPage([], None, None)


async def test_a_result_that_fills_the_first_page_exactly_has_no_next_cursor(
    backend: Backend,
) -> None:
    rows = [
        Item(
            id=new_id(),
            name=f"Item {n}",
            description=None,
            price=Decimal("1.00"),
            quantity=n,
            created_at=utc_now(),
            updated_at=utc_now(),
        )
        for n in range(3)
    ]
    await backend.seed(rows)
    sort = Sort((SortKey("quantity"),))
    page = await keyset_page(backend.items, a_query(None, sort), 3, None)
    assert ids(page.items) == ids(rows)
    assert page.next_boundary is None
    assert page.prev_boundary is None
