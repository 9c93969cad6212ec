"""Field rules as attrs validators, written once and shared by entities and DTOs.

A rule raises ``RuleViolation`` (a ``ValueError``) naming a stable machine
code; the converter turns it into a per-field error for the client.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

import attrs

from my_api.kernel.errors import FieldError


class RuleViolation(ValueError):
    """A value broke a domain rule; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NestedViolation(RuleViolation):
    """Parts of a composite value broke rules: one error per part, each ``field`` a path
    relative to the value (``[2].quantity``), so the client hears of every part at once.

    The converter prefixes the paths with the field's name (``lines[2].quantity``).
    """

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("invalid_parts", "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = tuple(errors)


def _reject(code: str, message: str) -> None:
    raise RuleViolation(code, message)


def text(*, min_length: int, max_length: int, nullable: bool = False) -> Any:
    """Text of bounded length (in code points) that PostgreSQL can store.

    NUL and unpaired surrogates are refused: PostgreSQL's ``text`` cannot hold
    the first and UTF-8 cannot encode the second.
    """

    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and nullable:
            return
        if not isinstance(value, str):
            _reject("type", "must be a string" + (" or null" if nullable else ""))
            return
        if len(value) < min_length:
            _reject("too_short", f"must have at least {min_length} character(s)")
        if len(value) > max_length:
            _reject("too_long", f"must have at most {max_length} characters")
        if "\x00" in value:
            _reject("invalid_character", "must not contain the NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            _reject("invalid_character", "must be valid Unicode (no lone surrogates)")

    return check


def integer(*, minimum: int, maximum: int) -> Any:
    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            _reject("type", "must be an integer")
            return
        if not minimum <= value <= maximum:
            _reject("out_of_range", f"must be between {minimum} and {maximum}")

    return check


CENT = Decimal("0.01")


def money(*, integer_digits: int) -> Any:
    """A positive amount with at most ``integer_digits`` digits before the point and two after."""
    limit = Decimal(10) ** integer_digits

    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, Decimal):
            _reject("type", "must be a decimal number")
            return
        if not value.is_finite():
            _reject("type", "must be a finite decimal number")
        elif value <= 0:
            _reject("out_of_range", "must be greater than 0")
        elif value >= limit:
            _reject("out_of_range", f"must have at most {integer_digits} integer digits")
        elif value != value.quantize(CENT):
            _reject("too_precise", "must have at most 2 decimal places")

    return check


def to_cents(value: Any) -> Any:
    """Present an exact amount with two decimals; leave anything else for the validator.

    ``copy_abs``, not ``abs``: it is exact, where ``abs`` rounds to the context and
    raises ``decimal.Overflow`` past its exponent range (``1e1000000``).

    >>> to_cents(Decimal("1e1000000"))
    Decimal('1E+1000000')
    >>> to_cents(Decimal("12.5"))
    Decimal('12.50')
    """
    if isinstance(value, Decimal) and value.is_finite() and value.copy_abs() < 10**20:
        cents = value.quantize(CENT)
        if cents == value:
            return cents
    return value


def one_of(allowed: Collection[str]) -> Any:
    """Text that is one of ``allowed`` (a closed vocabulary such as a status)."""
    spelled = ", ".join(sorted(allowed))

    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in allowed:
            _reject("not_allowed", f"must be one of: {spelled}")

    return check


def sized(*, min_items: int, max_items: int) -> Any:
    """A tuple of between ``min_items`` and ``max_items`` elements."""

    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            _reject("type", "must be an array")
            return
        if len(value) < min_items:
            _reject("too_short", f"must have at least {min_items} element(s)")
        if len(value) > max_items:
            _reject("too_long", f"must have at most {max_items} elements")

    return check


def distinct_by(key: str) -> Any:
    """No two elements of a tuple share ``key``; every repeat is named by its position
    (``[3].item_id``), the first occurrence being the one kept.
    """

    def check(_: object, _attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            return  # the shape is ``sized``'s to judge
        first: dict[Any, int] = {}
        repeats: list[FieldError] = []
        for position, element in enumerate(value):
            seen = first.setdefault(getattr(element, key), position)
            if seen != position:
                repeats.append(
                    FieldError(f"[{position}].{key}", f"repeats the {key} of [{seen}]", "duplicate")
                )
        if repeats:
            raise NestedViolation(repeats)

    return check
