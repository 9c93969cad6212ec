"""The list query language (PostgREST style), parsed into a ``ListQuery`` and back.

``parse_list_query`` is a pure function from query parameters to
``Result[ListQuery, AppError]``: every malformed parameter is reported by
name, and nothing from the query string becomes SQL text (fields are looked
up in the resource's declared lists; values become typed, bound values).
Its inverse, ``query_text.to_query``, renders a specification back:
parse(to_query(s)) == s. See docs/query-language.md for the grammar and examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from returns.result import Failure, Result, Success

from my_api.adapters.http.query_limits import Budget, LimitExceeded, QueryLimits, query_length
from my_api.adapters.http.query_scanner import InvalidQuery, Scanner
from my_api.adapters.http.query_text import fingerprint
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.errors import AppError, FieldError, MalformedRequest
from my_api.kernel.keyset import Keyset
from my_api.kernel.listing import Catalog, KeysetRequest, ListQuery, Window
from my_api.kernel.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import (
    EXACT_DIGITS,
    CompositeSpecification,
    FieldSpecification,
    Junction,
    NotSpecification,
    Operator,
    Specification,
    all_of,
    exactly_comparable,
)
from my_api.kernel.table import Column, ColumnType

WINDOW_PARAMS = ("page", "size", "limit", "cursor")
GROUPS = {"or": (Junction.OR, False), "and": (Junction.AND, False)}
GROUPS |= {f"not.{name}": (junction, True) for name, (junction, _) in list(GROUPS.items())}
# ASCII digits only, as in request bodies.
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
# ColumnType.INTEGER is a 32-bit integer on both databases.
_INT32 = range(-(2**31), 2**31)
DEFAULT_LIMITS = QueryLimits()


# -- values ---------------------------------------------------------------------


def _typed(column: Column, text: str) -> Any:
    """``text`` as a value of the column's type, or why it cannot be one."""
    if column.type is ColumnType.TEXT:
        if "\x00" in text:
            # PostgreSQL cannot hold NUL and SQLite's LIKE stops at it.
            raise InvalidQuery(f"{column.name}: values must not contain the NUL character")
        return text
    value = _parsed(column.type, text)
    if value is None:
        raise InvalidQuery(f"{column.name}: {text[:40]!r} is not a valid {column.type.value}")
    if not exactly_comparable(value):
        raise InvalidQuery(f"{column.name}: at most {EXACT_DIGITS} significant digits")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidQuery(f"{column.name}: {text[:40]!r} needs a UTC offset, e.g. Z")
    return value


def _parsed(column_type: ColumnType, text: str) -> Any:
    try:
        match column_type:
            case ColumnType.INTEGER if _INTEGER.fullmatch(text) and int(text) in _INT32:
                return int(text)
            case ColumnType.DECIMAL | ColumnType.CENTS if _DECIMAL.fullmatch(text):
                return Decimal(text)
            case ColumnType.UUID:
                return UUID(text)
            case ColumnType.TIMESTAMP:
                moment = datetime.fromisoformat(text)
                return moment if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    return None


# -- conditions -----------------------------------------------------------------


def _column(catalog: Catalog, field: str) -> Column:
    column = catalog.filterable.get(field)
    if column is None:
        known = ", ".join(sorted(catalog.filterable))
        raise InvalidQuery(f"{field[:40]!r} is not a filterable field (one of: {known})")
    return column


def _operator(name: str) -> Operator:
    try:
        return Operator(name)
    except ValueError:
        known = ", ".join(operator.value for operator in Operator)
        raise InvalidQuery(f"{name[:20]!r} is not an operator (one of: {known})") from None


def _condition(
    budget: Budget, column: Column, operator: Operator, operand: str | list[str], *, negated: bool
) -> Specification:
    budget.term()
    spec = FieldSpecification(column.name, operator, _operand(budget, column, operator, operand))
    return NotSpecification(spec) if negated else spec


def _operand(budget: Budget, column: Column, operator: Operator, operand: str | list[str]) -> Any:
    if isinstance(operand, list):
        if not operand:
            raise InvalidQuery(f"{column.name}: in needs at least one value")
        budget.in_values(len(operand))
        return tuple(_typed(column, value) for value in operand)
    if operator is Operator.IS:
        if operand != "null":
            raise InvalidQuery(f"{column.name}: is takes null (there are no boolean fields)")
        return None
    if operator in {Operator.LIKE, Operator.ILIKE} and column.type is not ColumnType.TEXT:
        raise InvalidQuery(f"{column.name}: {operator.value} applies to text fields only")
    return _typed(column, operand)


def _list(scanner: Scanner) -> list[str]:
    if scanner.take("()"):
        return []
    return scanner.items(scanner.element)


def _field_param(catalog: Catalog, budget: Budget, field: str, text: str) -> Specification:
    """``field=[not.]op.value``: the value is the rest of the text, verbatim."""
    column = _column(catalog, field)
    negated = text.startswith("not.")
    name, dot, rest = text.removeprefix("not.").partition(".")
    operator = _operator(name)
    if not dot:
        raise InvalidQuery(f"{field}: expected '{name}.<value>'")
    if operator is Operator.IN:
        scanner = Scanner(rest)
        values = _list(scanner)
        if not scanner.done():
            raise InvalidQuery(f"{field}: unexpected text after the in list")
        return _condition(budget, column, operator, values, negated=negated)
    return _condition(budget, column, operator, rest, negated=negated)


def _group_item(catalog: Catalog, budget: Budget, scanner: Scanner, depth: int) -> Specification:
    """``field.[not.]op.value``, or a nested ``[not.]or(...)`` / ``[not.]and(...)``."""
    negated = scanner.take("not.")
    name = scanner.word()
    if name in GROUPS and scanner.peek("("):
        group = _group(catalog, budget, scanner, GROUPS[name][0], depth + 1)
        return NotSpecification(group) if negated else group
    if negated:
        raise InvalidQuery("not. must be followed by or(...) or and(...) here")
    column = _column(catalog, name)
    scanner.expect(".")
    negated = scanner.take("not.")
    operator = _operator(scanner.word())
    scanner.expect(".")
    operand = _list(scanner) if operator is Operator.IN else scanner.element()
    return _condition(budget, column, operator, operand, negated=negated)


def _group(
    catalog: Catalog, budget: Budget, scanner: Scanner, junction: Junction, depth: int
) -> Specification:
    # Checked on the way in, so recursion stops at the limit, far from Python's own.
    budget.nest(depth)
    parts = scanner.items(lambda: _group_item(catalog, budget, scanner, depth))
    return parts[0] if len(parts) == 1 else CompositeSpecification(junction, tuple(parts))


def _group_param(catalog: Catalog, budget: Budget, key: str, text: str) -> Specification:
    junction, negated = GROUPS[key]
    scanner = Scanner(text)
    group = _group(catalog, budget, scanner, junction, 1)
    scanner.end()
    return NotSpecification(group) if negated else group


# -- sort and window ----------------------------------------------------------------


def _sort(catalog: Catalog, text: str) -> Sort:
    fields = text.split(",")
    names = [field.removeprefix("-") for field in fields]
    for name in names:
        if name not in catalog.sortable:
            known = ", ".join(sorted(catalog.sortable))
            raise InvalidQuery(f"{name[:40]!r} is not a sortable field (one of: {known})")
    if len(set(names)) != len(names):
        raise InvalidQuery("a field appears twice")
    return Sort.parse_fields(fields)


def _bounded(text: str, high: int) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= high:
        raise InvalidQuery(f"must be an integer from 1 to {high}")
    return int(text)


class _Window:
    """Reads the window parameters, one error per bad parameter."""

    def __init__(self, given: Mapping[str, str], errors: list[FieldError]) -> None:
        self.given = given
        self.errors = errors

    def bounded(self, name: str, default: int, high: int) -> int:
        try:
            return _bounded(self.given[name], high) if name in self.given else default
        except InvalidQuery as invalid:
            self.errors.append(FieldError(name, str(invalid), "out_of_range"))
            return default

    def read(self, decode_cursor: Callable[[str], Result[Keyset, str]] | None) -> Window:
        if "cursor" not in self.given and "limit" not in self.given:
            return PageRequest(
                self.bounded("page", 1, MAX_PAGE), self.bounded("size", 20, MAX_PAGE_SIZE)
            )
        for name in ("page", "size"):
            if name in self.given:
                self.errors.append(
                    FieldError(
                        name, "cannot be combined with cursor or limit", "conflicting_parameter"
                    )
                )
        limit = self.bounded("limit", 20, MAX_PAGE_SIZE)
        if "cursor" not in self.given or decode_cursor is None:
            return KeysetRequest(limit)
        decoded = decode_cursor(self.given["cursor"])
        if isinstance(decoded, Failure):
            self.errors.append(FieldError("cursor", decoded.failure(), "invalid_cursor"))
            return KeysetRequest(limit)
        return KeysetRequest(limit, decoded.unwrap())


# -- the whole query ------------------------------------------------------------------


def _remember(given: dict[str, str], key: str, value: str) -> None:
    if key in given:
        raise InvalidQuery("must be given at most once")
    given[key] = value


def parse_list_query(
    params: Iterable[tuple[str, str]],
    catalog: Catalog,
    cursors: CursorCodec,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> Result[ListQuery, AppError]:
    """The list query ``params`` ask for, or every reason it cannot be read.

    Work is linear in the query's length, and bounded by ``limits`` (past one of
    them the query is refused, naming it, before any further parameter is read).
    """
    params = list(params)
    if query_length(params) > limits.max_length:
        detail = f"The query string is longer than {limits.max_length} characters."
        return Failure(MalformedRequest(detail))
    errors: list[FieldError] = []
    conditions: list[Specification] = []
    given: dict[str, str] = {}
    budget = Budget(limits)
    for key, value in params:
        try:
            if key in (*WINDOW_PARAMS, "sort"):
                _remember(given, key, value)
            elif key in GROUPS:
                conditions.append(_group_param(catalog, budget, key, value))
            else:
                conditions.append(_field_param(catalog, budget, key, value))
        except LimitExceeded as exceeded:
            errors.append(FieldError(key, str(exceeded), exceeded.code))
            if budget.exhausted:
                break
        except InvalidQuery as invalid:
            errors.append(FieldError(key, str(invalid), _code(catalog, key)))
    sort = Sort(())
    if "sort" in given:
        try:
            sort = _sort(catalog, given["sort"])
        except InvalidQuery as invalid:
            errors.append(FieldError("sort", str(invalid), "invalid_sort"))
    spec = all_of(conditions)
    issued_for = fingerprint(spec, sort)
    types = [catalog.column(key.field).type for key in sort.keys]
    # A cursor is only checked against a query that parsed; otherwise it would
    # be blamed for the filter's mistakes.
    decode = None if errors else (lambda token: cursors.decode(token, issued_for, types))
    window = _Window(given, errors).read(decode)
    if errors:
        return Failure(MalformedRequest("The query string is not valid.", tuple(errors)))
    return Success(ListQuery(spec, sort, window, issued_for))


def _code(catalog: Catalog, key: str) -> str:
    if key in GROUPS or key in catalog.filterable:
        return "invalid_filter"
    if key in (*WINDOW_PARAMS, "sort"):
        return "repeated_parameter"
    return "unknown_parameter"
