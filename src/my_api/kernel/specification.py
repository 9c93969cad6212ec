"""Specifications: one predicate, read two ways, in Python and in SQL.

``is_satisfied_by(entity)`` evaluates in memory; ``to_sql_condition(...)``
compiles to parameterised SQL for SQLite and PostgreSQL. A property test
(tests/property/test_specification_sql.py) runs random specifications on
both databases and holds them to the Python reading.

NULL follows SQL's three-valued logic on both sides: a comparison with a
NULL field is *unknown*; ``not`` of unknown is unknown; ``and``/``or`` are
Kleene's; a row is selected only when the whole predicate is *true*. So
``description=neq.x`` and ``description=not.eq.x`` both skip rows whose
description is NULL, in memory exactly as in SQL. ``is.null`` is never unknown.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol, TypeAlias
from uuid import UUID

import attrs
from returns.result import Failure, Result, Success

from my_api.kernel.converter import CONVERTER
from my_api.kernel.like import ascii_lower, matches, sql_like_pattern
from my_api.kernel.table import ColumnType, TableMapping

Truth: TypeAlias = bool | None  # None is SQL's UNKNOWN


class Operator(enum.Enum):
    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    LIKE = "like"
    ILIKE = "ilike"
    IN = "in"
    IS = "is"


class Junction(enum.Enum):
    AND = "and"
    OR = "or"


class SqlDialect(Protocol):
    """What compiling needs of a dialect (``infrastructure.dialect.Dialect`` is one)."""

    def param(self, position: int) -> str: ...

    def encode(self, column_type: ColumnType, value: Any) -> Any: ...

    @property
    def in_json_list(self) -> str | None:
        """A ``{column} IN ...`` template taking the values as one JSON array ``{param}``."""

    @property
    def has_element(self) -> str:
        """A template: JSON array ``{column}`` holds an object whose ``{key}`` is ``{param}``."""

    @property
    def element_param(self) -> Callable[[str, Any], Any]:
        """The bound value ``has_element`` compares, from the key and the JSON value."""


@attrs.frozen
class SqlCondition:
    text: str
    params: tuple[Any, ...]


class _Binder:
    """Collects bound values; hands out numbered placeholders in order."""

    def __init__(self, dialect: SqlDialect, table: TableMapping, first_param: int) -> None:
        self.dialect = dialect
        self.types = {column.name: column.type for column in table.columns}
        self.first = first_param
        self.params: list[Any] = []

    def bind(self, field: str, value: Any) -> str:
        return self.bind_value(self.dialect.encode(self.types[field], value))

    def bind_value(self, value: Any) -> str:
        """Bind a value already in the form the driver takes."""
        self.params.append(value)
        return self.dialect.param(self.first + len(self.params) - 1)

    def in_list(self, field: str, values: tuple[Any, ...]) -> str:
        """``field IN (...)``: one placeholder per value, or all values as one JSON array
        where the dialect says so (work linear in the list on every database).
        """
        template = self.dialect.in_json_list
        if template is None:
            return f"{field} IN ({', '.join(self.bind(field, value) for value in values)})"
        encoded = [self.dialect.encode(self.types[field], value) for value in values]
        self.params.append(json.dumps(encoded))
        return template.format(
            column=field, param=self.dialect.param(self.first + len(self.params) - 1)
        )


_COMPARISONS: dict[Operator, tuple[str, Callable[[Any, Any], bool]]] = {
    Operator.EQ: ("=", lambda a, b: a == b),
    Operator.NEQ: ("<>", lambda a, b: a != b),
    Operator.GT: (">", lambda a, b: a > b),
    Operator.GTE: (">=", lambda a, b: a >= b),
    Operator.LT: ("<", lambda a, b: a < b),
    Operator.LTE: ("<=", lambda a, b: a <= b),
}


class _Combinable:
    """``&``, ``|`` and ``~`` build composites; selection means *true*, not unknown."""

    def truth(self, entity: object) -> Truth:
        raise NotImplementedError

    def fields(self) -> frozenset[str]:
        raise NotImplementedError

    def values(self) -> Iterator[tuple[str, Any]]:
        """Every (field, value) the predicate compares against."""
        raise NotImplementedError

    def _sql(self, binder: _Binder) -> str:
        raise NotImplementedError

    def _misuses(self, table: TableMapping) -> Iterator[str]:
        """Conditions that do not apply to their column's type (named for an error)."""
        raise NotImplementedError

    def is_satisfied_by(self, entity: object) -> bool:
        return self.truth(entity) is True

    def to_sql_condition(
        self, dialect: SqlDialect, table: TableMapping, first_param: int = 1
    ) -> Result[SqlCondition, str]:
        """SQL text and bound values; a field that is not a column is an error, never text."""
        unknown = self.fields() - set(table.names)
        if unknown:
            return Failure(f"not a column of {table.table}: {', '.join(sorted(unknown))}")
        inexact = sorted(
            field
            for field, value in self.values()
            if table.column(field).type in _AMOUNTS and not exactly_comparable(value)
        )
        if inexact:
            return Failure(
                f"{', '.join(inexact)}: values with more than {EXACT_DIGITS} significant "
                "digits cannot be compared exactly on every database"
            )
        misused = sorted(set(self._misuses(table)))
        if misused:
            return Failure("; ".join(misused))
        binder = _Binder(dialect, table, first_param)
        text = self._sql(binder)
        return Success(SqlCondition(text, tuple(binder.params)))

    def __and__(self, other: Specification) -> CompositeSpecification:
        return CompositeSpecification(Junction.AND, (self, other))  # type: ignore[arg-type]

    def __or__(self, other: Specification) -> CompositeSpecification:
        return CompositeSpecification(Junction.OR, (self, other))  # type: ignore[arg-type]

    def __invert__(self) -> NotSpecification:
        return NotSpecification(self)  # type: ignore[arg-type]


# SQLite keeps fractional NUMERIC values as binary doubles. Two decimals of at
# most 15 significant digits (DBL_DIG) never collide or swap order as doubles,
# so comparisons stay exact; longer ones may not (0.010000000000000001 would
# equal 0.01). PostgreSQL's numeric needs no such bound, but the language must
# mean the same on both.
EXACT_DIGITS = 15
# Amounts compared with values held to that many digits, on every database.
_AMOUNTS = frozenset({ColumnType.DECIMAL, ColumnType.CENTS})


def exactly_comparable(value: Any) -> bool:
    """
    >>> exactly_comparable(Decimal("9999999999.99"))
    True
    >>> exactly_comparable(Decimal("0.010000000000000001"))
    False
    >>> exactly_comparable(Decimal("9999999999.98999999999999999994"))  # 30 digits
    False
    """
    if not isinstance(value, Decimal):
        return True
    # Counted on the digits as written: ``normalize()`` would first round to the
    # context's 28 digits, and 9999999999.98999999999999999994 would pass as 9999999999.99.
    significant = "".join(map(str, value.as_tuple().digits)).strip("0")
    return len(significant) <= EXACT_DIGITS


@attrs.frozen
class FieldSpecification(_Combinable):
    """``field operator value``; for ``in`` the value is a tuple, for ``is`` it is None."""

    field: str
    operator: Operator
    value: Any

    def fields(self) -> frozenset[str]:
        return frozenset({self.field})

    def values(self) -> Iterator[tuple[str, Any]]:
        if self.operator is Operator.IN:
            yield from ((self.field, value) for value in self.value)
        elif self.value is not None:
            yield self.field, self.value

    def _misuses(self, table: TableMapping) -> Iterator[str]:
        if table.column(self.field).type is ColumnType.JSON:
            yield f"{self.field}: a JSON column is not compared with {self.operator.value}"

    def truth(self, entity: object) -> Truth:
        actual = getattr(entity, self.field)
        if self.operator is Operator.IS:
            return actual is self.value
        if actual is None:
            return None
        if self.operator is Operator.IN:
            return actual in self.value
        if self.operator is Operator.LIKE:
            return matches(self.value, actual, case_sensitive=True)
        if self.operator is Operator.ILIKE:
            return matches(self.value, actual, case_sensitive=False)
        return _COMPARISONS[self.operator][1](actual, self.value)

    def _sql(self, binder: _Binder) -> str:
        column = self.field
        match self.operator:
            case Operator.IS:
                return f"{column} IS NULL"
            case Operator.IN:
                return binder.in_list(column, self.value)
            case Operator.LIKE:
                pattern = binder.bind(column, sql_like_pattern(self.value))
                return f"{column} LIKE {pattern} ESCAPE '\\'"
            case Operator.ILIKE:
                pattern = binder.bind(column, sql_like_pattern(ascii_lower(self.value)))
                return f"lower({column}) LIKE {pattern} ESCAPE '\\'"
            case _:
                return (
                    f"{column} {_COMPARISONS[self.operator][0]} {binder.bind(column, self.value)}"
                )


def _at_least_two(_: object, _attribute: attrs.Attribute[Any], parts: tuple[Any, ...]) -> None:
    if len(parts) < 2:
        raise ValueError("a composite specification joins at least two parts")


@attrs.frozen
class CompositeSpecification(_Combinable):
    """``and``/``or`` over two or more parts (n-ary, order kept)."""

    junction: Junction
    parts: tuple[Specification, ...] = attrs.field(validator=_at_least_two)

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(part.fields() for part in self.parts))

    def values(self) -> Iterator[tuple[str, Any]]:
        for part in self.parts:
            yield from part.values()

    def truth(self, entity: object) -> Truth:
        values = [part.truth(entity) for part in self.parts]
        decisive = self.junction is Junction.OR  # True decides an OR, False an AND
        if decisive in values:
            return decisive
        return None if None in values else not decisive

    def _misuses(self, table: TableMapping) -> Iterator[str]:
        for part in self.parts:
            yield from part._misuses(table)

    def _sql(self, binder: _Binder) -> str:
        glue = f" {self.junction.value.upper()} "
        return "(" + glue.join(part._sql(binder) for part in self.parts) + ")"


@attrs.frozen
class NotSpecification(_Combinable):
    inner: Specification

    def fields(self) -> frozenset[str]:
        return self.inner.fields()

    def values(self) -> Iterator[tuple[str, Any]]:
        return self.inner.values()

    def truth(self, entity: object) -> Truth:
        value = self.inner.truth(entity)
        return None if value is None else not value

    def _misuses(self, table: TableMapping) -> Iterator[str]:
        return self.inner._misuses(table)

    def _sql(self, binder: _Binder) -> str:
        return f"NOT ({self.inner._sql(binder)})"


# The key is spliced into the SQL text (a JSON path), so only plain identifiers pass.
_KEY = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _element_value(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    # Values whose JSON form is their only spelling: a decimal has several ("12.5",
    # "12.50"), which Python would find equal and the databases, comparing JSON, not.
    if isinstance(value, bool) or not isinstance(value, str | int | UUID):
        raise TypeError(f"HasElement compares text, integers and UUIDs, not {value!r}")


@attrs.frozen
class HasElement(_Combinable):
    """The JSON array ``field`` holds an element whose ``key`` equals ``value``:
    "placed orders holding item X" is ``HasElement("lines", "item_id", x)``.

    Internal: services compose it; the query language has no spelling for it.
    Its field must be a NOT NULL JSON column, so it is never unknown.
    """

    field: str
    key: str = attrs.field(validator=attrs.validators.matches_re(_KEY))
    value: Any = attrs.field(validator=_element_value)

    def fields(self) -> frozenset[str]:
        return frozenset({self.field})

    def values(self) -> Iterator[tuple[str, Any]]:
        yield from ()  # nothing the decimal rule of ``to_sql_condition`` would judge

    def truth(self, entity: object) -> Truth:
        return any(
            getattr(element, self.key) == self.value for element in getattr(entity, self.field)
        )

    def _misuses(self, table: TableMapping) -> Iterator[str]:
        column = table.column(self.field)
        if column.type is not ColumnType.JSON or column.nullable:
            yield f"{self.field}: has-element applies to NOT NULL JSON columns only"

    def _sql(self, binder: _Binder) -> str:
        dialect = binder.dialect
        param = binder.bind_value(
            dialect.element_param(self.key, CONVERTER.unstructure(self.value))
        )
        return dialect.has_element.format(column=self.field, key=self.key, param=param)


Specification: TypeAlias = (
    FieldSpecification | CompositeSpecification | NotSpecification | HasElement
)


def all_of(parts: Iterable[Specification]) -> Specification | None:
    """The conjunction of ``parts``: None for none, the part itself for one."""
    collected = tuple(parts)
    if not collected:
        return None
    if len(collected) == 1:
        return collected[0]
    return CompositeSpecification(Junction.AND, collected)


class SpecificationBuilder:
    """A fluent way to state a filter in code.

    >>> builder = SpecificationBuilder().where("price", "gte", 10)
    >>> spec = builder.where("name", "ilike", "*lamp*").build()
    >>> sorted(spec.fields())
    ['name', 'price']
    """

    def __init__(self) -> None:
        self._parts: list[Specification] = []

    def where(self, field: str, operator: str, value: Any = None) -> SpecificationBuilder:
        self._parts.append(FieldSpecification(field, Operator(operator), value))
        return self

    def where_not(self, field: str, operator: str, value: Any = None) -> SpecificationBuilder:
        self._parts.append(NotSpecification(FieldSpecification(field, Operator(operator), value)))
        return self

    def any_of(self, *parts: Specification) -> SpecificationBuilder:
        self._parts.append(CompositeSpecification(Junction.OR, parts))
        return self

    def build(self) -> Specification | None:
        return all_of(self._parts)
