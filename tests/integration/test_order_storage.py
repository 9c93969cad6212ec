"""Orders on both databases: the JSON lines column, the exact total, ``HasElement``.

An order is read back equal to the one stored (its lines as value objects, its
total exact up to the bound of 13 integer digits); the migrated table matches the
entity (the start-up schema check); and for random orders and items, the SQL
reading of "placed orders holding item X" and of conditions on the total (stored
as whole cents on SQLite) selects and orders exactly what the Python reading
does, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import databases
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.future import FutureResult
from returns.result import Result, Success

from my_api.adapters.sql.connections import DatabaseConnections
from my_api.adapters.sql.dialect import dialect_for
from my_api.adapters.sql.schema import check_schema
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.items import ITEM_TABLE
from my_api.application.orders import ORDER_TABLE
from my_api.bootstrap import build_container
from my_api.domain.order import CANCELLED, PLACED, Order, OrderLine, total_of
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.io_edge import performed
from my_api.kernel.sorting import Sort, SortKey
from my_api.kernel.specification import FieldSpecification, HasElement, Operator, Specification
from my_api.kernel.unit_of_work import Session
from my_api.settings import Settings
from tests.conftest import sql_unit_of_work_on

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
# A small pool of item ids, so that orders share items and searches hit often.
ITEM_IDS = [UUID(int=n) for n in range(1, 6)]


def an_order(order_id: UUID, status: str, lines: Sequence[OrderLine], note: str | None) -> Order:
    return Order(
        id=order_id,
        status=status,
        lines=tuple(lines),
        total=total_of(lines),
        note=note,
        created_at=T0,
        updated_at=T0,
    )


def units(database: databases.Database, url: str) -> SqlUnitOfWork:
    return sql_unit_of_work_on(database, url, tables=(ITEM_TABLE, ORDER_TABLE))


async def store(uow: SqlUnitOfWork, orders: Sequence[Order]) -> None:
    def adding(session: Session) -> FutureResult[Emitted[None], AppError]:
        repository = session.repository(ORDER_TABLE)
        added: FutureResult[None, AppError] = FutureResult.from_value(None)
        for order in orders:
            added = added.bind(_then_add(repository.add, order))
        return added.map(Emitted)

    assert performed(await uow.atomically(adding)) == Success(None)


def _then_add(
    add: Callable[[Order], FutureResult[Order, AppError]], order: Order
) -> Callable[[None], FutureResult[None, AppError]]:
    return lambda _: add(order).map(lambda _: None)


def reading(order_id: UUID) -> Callable[[Session], FutureResult[Order, AppError]]:
    return lambda session: session.repository(ORDER_TABLE).get(order_id)


BY_TOTAL = Sort((SortKey("total", descending=True), SortKey("id")))


async def selected(
    uow: SqlUnitOfWork, spec: Specification, sort: Sort = BY_TOTAL
) -> Result[list[UUID], AppError]:
    def listing(session: Session) -> FutureResult[list[UUID], AppError]:
        listed = session.repository(ORDER_TABLE).list(spec, sort, limit=1000)
        return listed.map(lambda orders: [order.id for order in orders])

    return performed(await uow.reading(listing))


async def test_an_order_is_read_back_equal_lines_and_exact_total_included(
    database: databases.Database, database_url: str
) -> None:
    uow = units(database, database_url)
    # Near the largest total there can be, 18 significant digits, the last ones not
    # zero: more than SQLite's NUMERIC keeps (whence ColumnType.CENTS).
    dearest = an_order(
        UUID(int=1),
        PLACED,
        [
            OrderLine(item_id=UUID(int=1000 + n), quantity=quantity, unit_price=Decimal(price))
            for n, (quantity, price) in enumerate(
                [(9_999, "9999999999.98"), *[(10_000, "9999999999.99")] * 49]
            )
        ],
        "ünïcødé \"quoted\" and 'single'",
    )
    cheapest = an_order(
        UUID(int=2),
        CANCELLED,
        [OrderLine(item_id=ITEM_IDS[2], quantity=1, unit_price=Decimal("0.01"))],
        None,
    )
    await store(uow, [dearest, cheapest])

    for order in (dearest, cheapest):
        read = performed(await uow.reading(reading(order.id)))
        assert read == Success(order)
        assert read.unwrap().total.as_tuple() == order.total.as_tuple()
    assert str(dearest.total) == "4999989999994900.02"


async def test_the_migrated_orders_table_matches_the_entity(
    database: databases.Database, database_url: str
) -> None:
    container = build_container(Settings(database_url=database_url)).clone()
    container[databases.Database] = database
    dialect = dialect_for(database_url)
    assert dialect is not None
    connections = container[DatabaseConnections]
    outcome = await check_schema(connections, dialect, [ORDER_TABLE.mapping])
    assert outcome == Success(None)


_lines = st.lists(
    st.builds(
        OrderLine,
        item_id=st.sampled_from(ITEM_IDS),
        quantity=st.integers(1, 10_000),
        unit_price=st.integers(1, 10**6).map(lambda cents: Decimal(cents) / 100),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda line: line.item_id,
)
_orders = st.lists(
    st.tuples(st.sampled_from([PLACED, CANCELLED]), _lines), min_size=0, max_size=8
).map(
    lambda drawn: [
        an_order(UUID(int=100 + n), status, lines, None) for n, (status, lines) in enumerate(drawn)
    ]
)


# Thresholds near the totals drawn, with up to three places (the language allows more
# places than the cents a total has; such values compare exactly on both databases).
_thresholds = st.integers(1, 10**12).map(lambda mills: Decimal(mills) / 1000)


@settings(max_examples=30)
@given(
    orders=_orders,
    item_id=st.sampled_from([*ITEM_IDS, UUID(int=99)]),
    quantity=st.integers(1, 3),
    threshold=_thresholds,
)
async def test_sql_selects_and_orders_exactly_as_python_does_holding_and_totals(
    database: databases.Database,
    database_url: str,
    orders: list[Order],
    item_id: UUID,
    quantity: int,
    threshold: Decimal,
) -> None:
    await database.execute("DELETE FROM orders")
    uow = units(database, database_url)
    await store(uow, orders)
    placed = FieldSpecification("status", Operator.EQ, PLACED)
    holding = HasElement("lines", "item_id", item_id)
    some_total = orders[0].total if orders else threshold
    specs: list[Specification] = [
        holding,
        placed & holding,
        ~holding,
        HasElement("lines", "quantity", quantity) | holding,
        FieldSpecification("total", Operator.GTE, threshold),
        FieldSpecification("total", Operator.EQ, some_total) | ~placed,
        FieldSpecification("total", Operator.IN, (some_total, threshold)),
    ]

    for spec in specs:
        chosen = [order for order in orders if spec.is_satisfied_by(order)]
        expected = [order.id for order in BY_TOTAL.ordered(chosen)]
        assert await selected(uow, spec) == Success(expected), spec
