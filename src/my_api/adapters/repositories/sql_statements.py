"""A table mapping compiled into SQL text for one dialect, once, at start-up.

Only declared identifiers (validated in ``TableMapping``) appear in the text;
every value is a numbered bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from my_api.infrastructure.dialect import Dialect
from my_api.shared.table import TableMapping

Codec = Callable[[Any], Any]


@attrs.frozen
class CompiledTable:
    select_live: str
    insert: str
    update: str
    page: str
    count: str
    # Per column, in column order: the attribute and how to cross the boundary.
    attributes: tuple[str, ...]
    encoders: tuple[Codec, ...]
    decoders: tuple[Codec, ...]


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
    return CompiledTable(
        select_live=f"SELECT {columns} FROM {table} WHERE id = $ID AND {live}".replace(
            "$ID", dialect.param(1)
        ),
        insert=f"INSERT INTO {table} ({columns}) VALUES ({', '.join(params)})",
        update=(
            f"UPDATE {table} SET {assignments} "
            f"WHERE id = {id_param} AND version = {version_param} AND {live} RETURNING id"
        ),
        page=(
            f"SELECT {columns} FROM {table} WHERE {live} ORDER BY id "
            f"LIMIT {dialect.param(1)} OFFSET {dialect.param(2)}"
        ),
        count=f"SELECT count(*) FROM {table} WHERE {live}",
        attributes=tuple(column.attribute for column in mapping.columns),
        encoders=tuple(dialect.encoders[column.type] for column in mapping.columns),
        decoders=tuple(dialect.decoders[column.type] for column in mapping.columns),
    )
