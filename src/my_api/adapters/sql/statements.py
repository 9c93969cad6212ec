"""A table mapping compiled into SQL text for one dialect, once, at start-up.

Only declared identifiers (validated in ``TableMapping``) appear in the text;
every value is a numbered bound parameter. List queries add a filter, an
order and a window to a fixed prefix per request (``list_query``): their
shape depends on the request, but their identifiers still come only from
the mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import attrs
from returns.result import Failure, Result, Success

from my_api.adapters.sql.dialect import Codec, Dialect, passthrough
from my_api.kernel.keyset import Keyset
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification
from my_api.kernel.table import TableMapping


@attrs.frozen
class CompiledTable:
    select_live: str
    # The live row, or any row (soft-deleted too), kept from other writers until the
    # transaction ends where the dialect locks rows (``Dialect.row_lock``).
    claim_live: str
    claim_any: str
    insert: str
    update: str
    # Compare-and-set on a row that may be soft-deleted (it stays as the entity says).
    update_any: str
    # Prefixes that list/count queries complete with a filter, an order and a window.
    select_rows: str
    count_rows: str
    mapping: TableMapping
    dialect: Dialect
    # Per column, in column order: the attribute and how its value is bound.
    attributes: tuple[str, ...]
    encoders: tuple[Codec, ...]
    # An entity's bound values in column order, and how an id alone is bound.
    bind_row: Callable[[Any], list[Any]]
    bind_id: Codec


def _row_binder(
    attributes: tuple[str, ...], encoders: tuple[Codec, ...]
) -> Callable[[Any], list[Any]]:
    """One C-level call reads every column's attribute; only the columns whose type
    the driver cannot take as is are encoded (none on PostgreSQL).
    """
    read = attrgetter(*attributes)
    single = len(attributes) == 1  # attrgetter of one name returns the value, not a tuple
    encoded = [
        (position, encode) for position, encode in enumerate(encoders) if encode is not passthrough
    ]

    def bind(entity: Any) -> list[Any]:
        row = [read(entity)] if single else list(read(entity))
        for position, encode in encoded:
            row[position] = encode(row[position])
        return row

    return bind


def compile_table(mapping: TableMapping, dialect: Dialect) -> CompiledTable:
    names = mapping.names
    columns = ", ".join(names)
    params = [dialect.param(i) for i in range(1, len(names) + 1)]
    assignments = ", ".join(
        f"{name} = {param}" for name, param in zip(names, params, strict=True) if name != "id"
    )
    id_param = params[names.index("id")]
    version_param = dialect.param(len(names) + 1)
    live = "deleted_at IS NULL"
    table = mapping.table
    attributes = tuple(column.attribute for column in mapping.columns)
    encoders = tuple(dialect.encoders[column.type] for column in mapping.columns)
    by_id = f"SELECT {columns} FROM {table} WHERE id = {dialect.param(1)}"
    update = f"UPDATE {table} SET {assignments} WHERE id = {id_param} AND version = {version_param}"
    return CompiledTable(
        select_live=f"{by_id} AND {live}",
        claim_live=f"{by_id} AND {live}{dialect.row_lock}",
        claim_any=f"{by_id}{dialect.row_lock}",
        insert=f"INSERT INTO {table} ({columns}) VALUES ({', '.join(params)})",
        update=f"{update} AND {live} RETURNING id",
        update_any=f"{update} RETURNING id",
        select_rows=f"SELECT {columns} FROM {table} WHERE {live}",
        count_rows=f"SELECT count(*) FROM {table} WHERE {live}",
        mapping=mapping,
        dialect=dialect,
        attributes=attributes,
        encoders=encoders,
        bind_row=_row_binder(attributes, encoders),
        bind_id=encoders[attributes.index("id")],
    )


def list_query(
    sql: CompiledTable,
    spec: Specification | None,
    sort: Sort,
    *,
    limit: int,
    offset: int,
    keyset: Keyset | None,
) -> Result[tuple[str, list[Any]], str]:
    """SELECT ... WHERE live [AND filter] [AND keyset] ORDER BY ... LIMIT ... OFFSET ...

    A keyset that is not one row comparison becomes a UNION ALL of its
    branches, each an ordered, limited index range scan, merged by an outer
    ORDER BY: an OR of them would make PostgreSQL filter from the first row.
    """
    unknown = {key.field for key in sort.keys} - set(sql.mapping.names)
    if unknown:
        return Failure(f"cannot sort {sql.mapping.table} by {', '.join(sorted(unknown))}")
    where = _where(sql, spec)
    if isinstance(where, Failure):
        return where
    conditions, params = where.unwrap()
    nullable = {column.name for column in sql.mapping.columns if column.nullable}
    order = sort.order_by(nullable, reverse=keyset is not None and not keyset.after)
    param = sql.dialect.param
    if keyset is None or keyset.is_row_comparison(sort, sql.mapping):
        if keyset is not None:
            window = keyset.to_sql_condition(sort, sql.dialect, sql.mapping, len(params) + 1)
            conditions += f" AND {window.text}"
            params += window.params
        text = (
            f"{sql.select_rows}{conditions} ORDER BY {order} "
            f"LIMIT {param(len(params) + 1)} OFFSET {param(len(params) + 2)}"
        )
        return Success((text, [*params, limit, offset]))
    branches, values = keyset.branches(sort, sql.dialect, sql.mapping, len(params) + 1)
    params += values
    if not branches:
        branches = ("1 = 0",)
    head, tail = param(len(params) + 1), param(len(params) + 2)
    scans = " UNION ALL ".join(
        f"SELECT * FROM ({sql.select_rows}{conditions} AND {branch} "
        f"ORDER BY {order} LIMIT {head}) AS branch_{number}"
        for number, branch in enumerate(branches)
    )
    text = f"SELECT * FROM ({scans}) AS page ORDER BY {order} LIMIT {head} OFFSET {tail}"
    return Success((text, [*params, limit + offset, offset]))


def count_query(
    sql: CompiledTable, spec: Specification | None
) -> Result[tuple[str, list[Any]], str]:
    return _where(sql, spec).map(lambda where: (sql.count_rows + where[0], where[1]))


def _where(sql: CompiledTable, spec: Specification | None) -> Result[tuple[str, list[Any]], str]:
    if spec is None:
        return Success(("", []))
    return spec.to_sql_condition(sql.dialect, sql.mapping).map(
        lambda condition: (f" AND {condition.text}", list(condition.params))
    )
