"""Specifications back to query parameters: the inverse of ``query_language``.

``to_query`` renders what ``parse_list_query`` reads (parse(to_query(s)) == s);
``fingerprint`` identifies a filter and sort so that a cursor can be bound to
the query that issued it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, assert_never

from my_api.kernel.converter import CONVERTER
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import (
    CompositeSpecification,
    FieldSpecification,
    HasElement,
    Junction,
    NotSpecification,
    Operator,
    Specification,
)

# Characters that make a value inside a group or list need quotes.
_SPECIAL = set(',()"\\')


def fingerprint(spec: Specification | None, sort: Sort) -> str:
    """Order-insensitive over top-level conditions, sensitive to everything else."""
    conditions = sorted(f"{key}={value}" for key, value in to_query(spec))
    digest = hashlib.sha256("&".join([*conditions, f"sort={sort}"]).encode())
    return digest.hexdigest()[:32]


def _render(value: Any) -> str:
    rendered = CONVERTER.unstructure(value)
    return rendered if isinstance(rendered, str) else str(rendered)


def _quoted(value: str) -> str:
    if value and not (_SPECIAL & set(value)) and value == value.strip():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_query(spec: Specification | None) -> list[tuple[str, str]]:
    """Query parameters that parse back to ``spec`` (top-level ``and`` becomes params)."""
    if spec is None:
        return []
    if isinstance(spec, CompositeSpecification) and spec.junction is Junction.AND:
        return [_param(part) for part in spec.parts]
    return [_param(spec)]


def _param(spec: Specification) -> tuple[str, str]:
    match spec:
        case FieldSpecification(field=field):
            return field, _condition_text(spec, in_group=False)
        case CompositeSpecification(junction=junction, parts=parts):
            return junction.value, _items(parts)
        case NotSpecification(inner=inner):
            return _negated_param(inner)
        case HasElement():
            raise _internal(spec)
        case _:
            assert_never(spec)


def _negated_param(inner: Specification) -> tuple[str, str]:
    match inner:
        case FieldSpecification(field=field):
            return field, "not." + _condition_text(inner, in_group=False)
        case CompositeSpecification(junction=junction, parts=parts):
            return f"not.{junction.value}", _items(parts)
        case NotSpecification():
            # A group of one part reads as that part: ``not.and=(x)`` is ``not x``.
            return "not.and", _items((inner,))
        case HasElement():
            raise _internal(inner)
        case _:
            assert_never(inner)


def _items(parts: Sequence[Specification]) -> str:
    return "(" + ",".join(_item(part) for part in parts) + ")"


def _item(spec: Specification) -> str:
    match spec:
        case FieldSpecification(field=field):
            return f"{field}.{_condition_text(spec, in_group=True)}"
        case CompositeSpecification(junction=junction, parts=parts):
            return junction.value + _items(parts)
        case NotSpecification(inner=inner):
            return _negated_item(inner)
        case HasElement():
            raise _internal(spec)
        case _:
            assert_never(spec)


def _negated_item(inner: Specification) -> str:
    match inner:
        case FieldSpecification(field=field):
            return f"{field}.not.{_condition_text(inner, in_group=True)}"
        case CompositeSpecification(junction=junction, parts=parts):
            return f"not.{junction.value}{_items(parts)}"
        case NotSpecification():
            return f"not.and{_items((inner,))}"
        case HasElement():
            raise _internal(inner)
        case _:
            assert_never(inner)


def _internal(spec: HasElement) -> TypeError:
    # Only code builds a HasElement (never the parser), so rendering one is a bug.
    return TypeError(f"{spec!r} is internal: the query language has no spelling for it")


def _condition_text(spec: FieldSpecification, *, in_group: bool) -> str:
    operator = spec.operator
    if operator is Operator.IS:
        return "is.null"
    if operator is Operator.IN:
        return "in.(" + ",".join(_quoted(_render(v)) for v in spec.value) + ")"
    value = _render(spec.value)
    return f"{operator.value}.{_quoted(value) if in_group else value}"
