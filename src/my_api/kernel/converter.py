"""The one cattrs converter, and input structuring that reports every bad field.

Hooks are strict: JSON ``123`` is not a string and ``"7"`` is not an integer.
``structure_input`` checks each declared field on its own (type, then the
field's domain rule) so a client learns about all its mistakes at once, not
only the first one attrs would raise.

A value is refused only by a ``RuleViolation``, raised by a structure hook of
ours, a converter or a validator (``kernel/rules.py``): that is how this code
base says "bad value". Any other exception (a TypeError inside a validator, a
plain ``attrs.validators`` check, a cattrs hook for a type we never
registered) is a bug, not the client's mistake, and propagates to the 500
handler instead of becoming a 422.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar, cast, get_args, get_origin
from uuid import UUID

import attrs
import cattrs
from returns.result import Failure, Result, Success

from my_api.kernel.errors import FieldError, InvalidInput
from my_api.kernel.rules import NestedViolation, RuleViolation

T = TypeVar("T")

# ASCII digits only: \d would also admit Arabic-Indic or full-width digits.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise RuleViolation("type", "must be a string")
    return value


def _structure_int(value: object, _: type) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuleViolation("type", "must be an integer")
    return value


@attrs.frozen
class UnrepresentableNumber:
    """A JSON number whose exponent is past what ``Decimal`` can hold (``1e99999999999999999999``).

    The body parser keeps it as this value rather than refusing the whole body, so the
    field that holds it is refused (422) like any other number out of range.
    """

    text: str


def _structure_decimal(value: object, _: type) -> Decimal:
    """Money arrives as a JSON number (parsed exactly, never via float) or a numeric string."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, UnrepresentableNumber):
        raise RuleViolation("out_of_range", "is too large or too small a number")
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            pass
    raise RuleViolation("type", "must be a decimal number or a string holding one")


def _structure_uuid(value: object, _: type) -> UUID:
    if not isinstance(value, str):
        raise RuleViolation("type", "must be a UUID string")
    try:
        return UUID(value)
    except ValueError:
        raise RuleViolation("type", "must be a UUID string") from None


def format_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a fixed width, e.g. ``2026-11-26T04:14:24.000000Z``."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def is_value_objects(annotation: Any) -> bool:
    """``tuple[X, ...]`` with ``X`` an attrs class: a collection of value objects
    (an order's lines), stored as one JSON column and read as one JSON array.
    """
    arguments = get_args(annotation)
    return (
        get_origin(annotation) is tuple
        and len(arguments) == 2
        and arguments[1] is Ellipsis
        and attrs.has(arguments[0])
    )


def _structure_value_objects(value: object, annotation: Any) -> tuple[Any, ...]:
    """A JSON array of objects into a tuple of value objects, every element checked.

    Each object is read as ``structure_input`` reads a body, so the client hears of
    every bad element field at once, each named by its path (``[1].quantity``).
    Elements that already are value objects are kept: code builds entities with them.
    """
    element_type = get_args(annotation)[0]
    if not isinstance(value, list | tuple):
        raise RuleViolation("type", "must be an array")
    elements: list[Any] = []
    errors: list[FieldError] = []
    for position, element in enumerate(value):
        if isinstance(element, element_type):
            elements.append(element)
        elif isinstance(element, Mapping):
            structured = structure_input(element, element_type)
            if isinstance(structured, Success):
                elements.append(structured.unwrap())
            else:
                errors += [
                    attrs.evolve(error, field=f"[{position}].{error.field}")
                    for error in structured.failure().errors
                ]
        else:
            errors.append(FieldError(f"[{position}]", "must be an object", "type"))
    if errors:
        raise NestedViolation(errors)
    return tuple(elements)


def value_objects(value: Any, element_type: type[T]) -> tuple[T, ...]:
    """What the attrs ``converter`` of a ``tuple[X, ...]`` field calls (mypy's attrs plugin
    takes named functions only): a JSON array (a request body's, a row's decoded column)
    becomes value objects; value objects stay as they are.
    """
    return _structure_value_objects(value, tuple[element_type, ...])  # type: ignore[valid-type]


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook_func(is_value_objects, _structure_value_objects)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(UUID, _structure_uuid)
    converter.register_unstructure_hook(UUID, str)
    converter.register_unstructure_hook(Decimal, lambda d: format(d, "f"))
    converter.register_unstructure_hook(datetime, format_timestamp)
    return converter


CONVERTER = make_converter()


@attrs.frozen
class _FieldPlan:
    """How one DTO field is read: its cattrs hook, converter and rule, found once."""

    type: Any
    structure: Callable[[Any, Any], Any]
    convert: Callable[[Any], Any] | None
    validate: Callable[[Any, attrs.Attribute[Any], Any], None] | None
    attribute: attrs.Attribute[Any]
    required: bool


@attrs.frozen
class _Plan:
    fields: dict[str, _FieldPlan]
    required: frozenset[str]


@cache
def _plan(cls: Hashable) -> _Plan:
    resolved = attrs.resolve_types(cast(type[attrs.AttrsInstance], cls))
    fields = {
        field.name: _FieldPlan(
            type=field.type,
            structure=CONVERTER.get_structure_hook(field.type),
            convert=cast("Callable[[Any], Any] | None", field.converter),
            validate=field.validator,
            attribute=field,
            required=field.default is attrs.NOTHING,
        )
        for field in attrs.fields(resolved)
    }
    return _Plan(fields, frozenset(name for name, field in fields.items() if field.required))


def structure_input(payload: Mapping[str, Any], cls: type[T]) -> Result[T, InvalidInput]:
    """Build ``cls`` from a decoded JSON object, or list every field that is wrong.

    A complete payload with known keys only, the common case, costs one pass:
    each value goes through its type's hook, then ``cls`` converts and
    validates as attrs always does. Only when a rule refuses a value are the
    fields checked one by one, so that a client hears about every mistake at
    once, not only the first.
    """
    plan = _plan(cast(Hashable, cls))
    if plan.required <= payload.keys() <= plan.fields.keys():
        try:
            return Success(
                cls(
                    **{
                        name: plan.fields[name].structure(value, plan.fields[name].type)
                        for name, value in payload.items()
                    }
                )
            )
        except RuleViolation:
            pass
    return structure_each_field(payload, cls)


def structure_each_field(payload: Mapping[str, Any], cls: type[T]) -> Result[T, InvalidInput]:
    """``structure_input`` the slow way: every field structured and checked on its own.

    This is the definition; ``structure_input`` only takes a shortcut to the
    same answer when nothing is wrong (a property test holds them equal).
    """
    plan = _plan(cast(Hashable, cls)).fields
    errors = [
        FieldError(name, "is not a known field", "unknown_field")
        for name in payload
        if name not in plan
    ]
    values: dict[str, Any] = {}
    for name, field in plan.items():
        if name not in payload:
            if field.required:
                errors.append(FieldError(name, "is required", "required"))
            continue
        try:
            value = field.structure(payload[name], field.type)
            # Converted here only to be checked: ``cls`` converts what it is given, so
            # it gets the structured value and converts it once, as the shortcut does.
            converted = value if field.convert is None else field.convert(value)
            if field.validate is not None:
                field.validate(None, field.attribute, converted)
        except NestedViolation as violation:
            errors += [attrs.evolve(error, field=name + error.field) for error in violation.errors]
        except RuleViolation as violation:
            errors.append(FieldError(name, violation.message, violation.code))
        else:
            values[name] = value
    if errors:
        return Failure(InvalidInput(tuple(errors)))
    return Success(cls(**values))
