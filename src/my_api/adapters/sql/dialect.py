"""The two SQL dialects we speak, as data: every difference between them lives here.

| type      | PostgreSQL            | SQLite                                     |
|-----------|-----------------------|--------------------------------------------|
| UUID      | ``uuid``              | ``TEXT``, canonical lower-case form        |
| DECIMAL   | ``numeric(p, s)``     | ``NUMERIC``; bound as text, read as exact  |
| TIMESTAMP | ``timestamptz``       | ``TEXT``, fixed-width ISO 8601 in UTC, so  |
|           |                       | text order is time order                   |
| TEXT/INT  | ``text`` / ``integer``| ``TEXT`` / ``INTEGER``                     |
| CENTS     | ``numeric(p, 2)``     | ``INTEGER``: whole cents, exact to 18 digits |
| JSON      | ``jsonb``, sent and   | ``TEXT`` holding the JSON array            |
|           | read as JSON text     |                                            |

SQLite keeps NUMERIC values as REAL when they have a fraction; a decimal of at
most 15 significant digits survives that exactly (our prices have 12), and
``Decimal(str(real))`` restores it. Placeholders are numbered on both sides
(``$1`` / ``?1``) so one statement shape serves both.

Beyond types, the dialects differ in how a transaction begins, how a migration
script splits into statements, how the catalog is read, how a JSON array is
searched and how a row is locked; each of those is a field below, so no code
elsewhere branches on which database it talks to.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import orjson

from my_api.kernel.converter import CONVERTER
from my_api.kernel.table import ColumnType

Codec = Callable[[Any], Any]


def _nullable(codec: Codec) -> Codec:
    return lambda value: None if value is None else codec(value)


def passthrough(value: Any) -> Any:
    """The codec of a type the driver already handles."""
    return value


def _json_text(value: Any) -> str:
    """Value objects as JSON text: asyncpg takes and gives ``jsonb`` as text by default,
    and SQLite stores text; the entity's converter structures the decoded lists back.
    """
    return orjson.dumps(CONVERTER.unstructure(value)).decode()


_JSON_ENCODE = _nullable(_json_text)
_JSON_DECODE = _nullable(orjson.loads)


def _to_cents(value: Decimal) -> int | float:
    """An amount as whole cents. Stored amounts have two places, so this is exact; a
    filter's value may have more (``total=gt.10.005``) and is then compared as the
    nearest double, exact for the 15 significant digits the query language allows.
    """
    cents = value.scaleb(2)
    return int(cents) if cents == cents.to_integral_value() else float(cents)


def _from_cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _one_element_array(key: str, value: Any) -> str:
    """What ``@>`` looks for: an array holding one object with the one key."""
    return orjson.dumps([{key: value}]).decode()


def _bare(_key: str, value: Any) -> Any:
    return value


def _sqlite_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def whole_script(script: str) -> list[str]:
    """PostgreSQL runs a multi-statement script in one simple-protocol call."""
    return [script]


def sqlite_statements(script: str) -> list[str]:
    r"""Split a script into statements (``executescript`` would commit early).

    A statement ends where a line ends and SQLite agrees the text so far is
    complete, so semicolons inside strings or triggers are safe; write one
    statement per line end.

    >>> sqlite_statements("CREATE TABLE a (x TEXT DEFAULT ';');\n-- b next\nCREATE TABLE b (y);\n")
    ["CREATE TABLE a (x TEXT DEFAULT ';');", '-- b next\nCREATE TABLE b (y);']
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if not _only_comments(pending):
        statements.append(pending.strip())
    return statements


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


class DialectName(enum.Enum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


@attrs.frozen
class Dialect:
    name: DialectName
    placeholder_prefix: str
    encoders: Mapping[ColumnType, Codec]
    decoders: Mapping[ColumnType, Codec]
    # How a transaction begins: one that writes, and one whose reads all see one
    # snapshot. Both end with COMMIT or ROLLBACK (see executor.StatementTransaction).
    begin_write: str
    begin_snapshot: str
    split_script: Callable[[str], list[str]]
    # One row, any value, when the table named by the only parameter exists.
    table_exists: str
    # (column name, nullable) rows of the table named by the only parameter.
    table_columns: str
    # ``column IN (...)`` with the whole list bound as one JSON array, or None for one
    # placeholder per value. SQLite looks each numbered placeholder up by a linear scan
    # while compiling, so n of them cost O(n^2) (a 64 KB URL took 14.6 s); one does not.
    in_json_list: str | None = None
    # ``{column}``, a JSON array of objects, holds one whose ``{key}`` equals the bound
    # ``{param}``; ``element_param(key, json_value)`` makes that bound value.
    has_element: str = ""
    element_param: Callable[[str, Any], Any] = _bare
    # Appended to a single-row SELECT to keep the row from other writers until the
    # transaction ends (``AsyncRepository.claim``); empty where writers are serialised.
    row_lock: str = ""

    def param(self, position: int) -> str:
        """The placeholder for the 1-based ``position``-th bound parameter."""
        return f"{self.placeholder_prefix}{position}"

    def encode(self, column_type: ColumnType, value: Any) -> Any:
        return self.encoders[column_type](value)


POSTGRESQL = Dialect(
    name=DialectName.POSTGRESQL,
    placeholder_prefix="$",
    encoders=dict.fromkeys(ColumnType, passthrough) | {ColumnType.JSON: _JSON_ENCODE},
    # timestamptz already arrives as an aware datetime in UTC, and a uuid as asyncpg's
    # own subclass of uuid.UUID (equal to the standard one, same hash and text), kept
    # as it is: copying it into the standard type cost a microsecond per row.
    decoders=dict.fromkeys(ColumnType, passthrough) | {ColumnType.JSON: _JSON_DECODE},
    begin_write="BEGIN",
    # READ COMMITTED (the default) would let a page and its total disagree.
    begin_snapshot="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    split_script=whole_script,
    table_exists=(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = $1"
    ),
    table_columns=(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1"
    ),
    # Containment, which a GIN index with jsonb_path_ops answers (migration 0005).
    has_element="{column} @> {param}::jsonb",
    element_param=_one_element_array,
    # A second claim of the row waits until this transaction ends, then reads the row
    # as that one left it (READ COMMITTED re-checks the WHERE on the newest version).
    row_lock=" FOR UPDATE",
)

SQLITE = Dialect(
    name=DialectName.SQLITE,
    placeholder_prefix="?",
    encoders={
        ColumnType.UUID: _nullable(str),
        ColumnType.TEXT: passthrough,
        ColumnType.INTEGER: passthrough,
        ColumnType.DECIMAL: _nullable(lambda value: format(value, "f")),
        ColumnType.CENTS: _nullable(_to_cents),
        ColumnType.TIMESTAMP: _nullable(_sqlite_timestamp),
        ColumnType.JSON: _JSON_ENCODE,
    },
    decoders={
        ColumnType.UUID: _nullable(UUID),
        ColumnType.TEXT: passthrough,
        ColumnType.INTEGER: passthrough,
        ColumnType.DECIMAL: _nullable(lambda value: Decimal(str(value))),
        ColumnType.CENTS: _nullable(_from_cents),
        ColumnType.TIMESTAMP: _nullable(datetime.fromisoformat),
        ColumnType.JSON: _JSON_DECODE,
    },
    # IMMEDIATE takes the write lock up front: a DEFERRED transaction that reads and
    # then writes fails at once (SQLITE_BUSY_SNAPSHOT) if another connection
    # committed in between. Other processes' writers wait up to the busy timeout.
    begin_write="BEGIN IMMEDIATE",
    # Under WAL a deferred transaction reads one snapshot throughout.
    begin_snapshot="BEGIN",
    split_script=sqlite_statements,
    table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
    # A primary key is never null, whatever SQLite's catalog says of a TEXT key.
    table_columns='SELECT name, "notnull" = 0 AND pk = 0 FROM pragma_table_info(?1)',
    in_json_list="{column} IN (SELECT value FROM json_each({param}))",
    # json_extract gives a JSON string as TEXT and a number as INTEGER or REAL, so the
    # bare value compares as it would in Python.
    has_element=(
        "EXISTS (SELECT 1 FROM json_each({column}) WHERE json_extract(value, '$.{key}') = {param})"
    ),
    # No row lock: BEGIN IMMEDIATE already holds the database's one write lock.
)


def dialect_for(url: str) -> Dialect | None:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return {"postgresql": POSTGRESQL, "postgres": POSTGRESQL, "sqlite": SQLITE}.get(scheme)
