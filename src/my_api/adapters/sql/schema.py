"""The start-up check that the database holds the columns the entities declare.

Entities and their table mappings are one declaration; migrations are
written by hand. After migrating, each declared table is read back from the
database's catalog and compared, so a field without a column (or a column
whose nullability disagrees) stops the service at start-up with a message
naming the field, instead of failing on the first request that reads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from returns.result import Failure, Result, Success

from my_api.adapters.sql.connections import Connections
from my_api.adapters.sql.dialect import Dialect
from my_api.kernel.table import TableMapping, schema_mismatches


async def check_schema(
    connections: Connections, dialect: Dialect, mappings: Iterable[TableMapping]
) -> Result[None, str]:
    problems: list[str] = []
    async with connections.hold() as connection:
        for mapping in mappings:
            rows = await connection.statements.fetch_all(dialect.table_columns, [mapping.table])
            if not rows:
                problems.append(f"table {mapping.table} does not exist in the database")
                continue
            actual = {str(row[0]): bool(row[1]) for row in rows}
            problems += schema_mismatches(mapping, actual)
    if problems:
        return Failure("the database schema does not match the entities: " + "; ".join(problems))
    return Success(None)
