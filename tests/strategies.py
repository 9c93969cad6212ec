"""Shared hypothesis strategies for the items resource.

Entities are built the way storage holds them; payloads the way a client
sends them, already decoded from JSON (objects are dicts, numbers with a
fraction or exponent are ``Decimal``, as ``adapters/api/body.py`` parses
them). ``json_body`` turns a payload back into the bytes a client would send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from my_api.domain.item import Item

CENT = Decimal("0.01")
MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("9999999999.99")
MAX_INT32 = 2**31 - 1
NAME_MAX = 255
DESCRIPTION_MAX = 1000

# The client-controlled fields of an item, in declaration order.
WRITABLE_FIELDS = ("name", "description", "price", "quantity")
REQUIRED_FIELDS = ("name", "price", "quantity")

# -- text ------------------------------------------------------------------------------

# Every Unicode scalar value PostgreSQL text and UTF-8 can hold: no NUL, no
# surrogates (category Cs). Astral characters get their own branch so they
# show up often, not only when hypothesis happens to reach past the BMP.
_ANY_CHARACTER = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_ASTRAL_CHARACTER = st.characters(min_codepoint=0x10000, exclude_categories=["Cs"])
unicode_characters: st.SearchStrategy[str] = st.one_of(_ANY_CHARACTER, _ASTRAL_CHARACTER)
lone_surrogates: st.SearchStrategy[str] = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


def unicode_text(*, min_size: int = 0, max_size: int) -> st.SearchStrategy[str]:
    """Storable text of ``min_size`` to ``max_size`` code points."""
    return st.text(unicode_characters, min_size=min_size, max_size=max_size)


def _repeated(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """One character repeated, for lengths too long to draw character by character."""
    return st.builds(lambda character, n: character * n, unicode_characters, lengths)


def _with_inserted(bad: st.SearchStrategy[str], *, max_size: int) -> st.SearchStrategy[str]:
    """Storable text with exactly one ``bad`` character somewhere in it."""
    half = max(0, (max_size - 1) // 2)
    return st.builds(
        lambda before, character, after: before + character + after,
        unicode_text(max_size=min(half, 8)),
        bad,
        unicode_text(max_size=min(half, 8)),
    )


names: st.SearchStrategy[str] = st.one_of(
    unicode_text(min_size=1, max_size=40),
    _repeated(st.sampled_from([1, NAME_MAX])),
)
descriptions: st.SearchStrategy[str | None] = st.one_of(
    st.none(),
    unicode_text(max_size=60),
    _repeated(st.sampled_from([0, 1, DESCRIPTION_MAX])),
)

# -- numbers ---------------------------------------------------------------------------

prices: st.SearchStrategy[Decimal] = st.one_of(
    st.sampled_from([MIN_PRICE, MAX_PRICE, Decimal("1.00"), Decimal("0.10"), Decimal("12.50")]),
    st.integers(1, 999_999_999_999).map(lambda cents: Decimal(cents).scaleb(-2)),
)
"""Valid prices as the entity holds them: exactly two decimal places."""

quantities: st.SearchStrategy[int] = st.one_of(
    st.sampled_from([0, 1, MAX_INT32]), st.integers(0, MAX_INT32)
)


def _spellings(price: Decimal) -> list[Any]:
    """Every way a client may send ``price``: JSON strings and JSON numbers."""
    short = price.normalize()
    forms: list[Any] = [format(price, "f"), format(short, "f"), price, short]
    if price == price.to_integral_value():
        forms.append(int(price))
    return forms


price_inputs: st.SearchStrategy[Any] = prices.flatmap(lambda p: st.sampled_from(_spellings(p)))
"""Valid prices as a client sends them (``"12.5"``, ``"12.50"``, ``12.5``, ``1.2E+2``, ``120``)."""


def rendered_price(value: Any) -> str:
    """How the API shows a valid price input: a string with exactly two decimals."""
    return format(Decimal(value).quantize(CENT), "f")


# Microsecond timestamps in UTC, the precision both databases keep.
timestamps: st.SearchStrategy[datetime] = st.datetimes(timezones=st.just(UTC))

# -- entities --------------------------------------------------------------------------


@st.composite
def items(draw: st.DrawFn) -> Item:
    """A valid, live Item as storage holds it."""
    created_at, updated_at = sorted([draw(timestamps), draw(timestamps)])
    return Item(
        id=draw(st.uuids()),
        name=draw(names),
        description=draw(descriptions),
        price=draw(prices),
        quantity=draw(quantities),
        created_at=created_at,
        updated_at=updated_at,
        version=draw(st.one_of(st.just(1), st.integers(1, MAX_INT32))),
    )


# -- payloads --------------------------------------------------------------------------


@st.composite
def _payloads(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": draw(names),
        "price": draw(price_inputs),
        "quantity": draw(quantities),
    }
    # Omitted, null, or text: all valid for the nullable description.
    if draw(st.booleans()):
        payload["description"] = draw(descriptions)
    return payload


def input_payloads() -> st.SearchStrategy[dict[str, Any]]:
    """Valid POST and PUT bodies (``ItemInput``)."""
    return _payloads()


def patches() -> st.SearchStrategy[dict[str, Any]]:
    """Valid JSON merge patches: any subset of the fields, ``null`` only where nullable."""
    return st.fixed_dictionaries(
        {},
        optional={
            "name": names,
            "description": descriptions,
            "price": price_inputs,
            "quantity": quantities,
        },
    )


# -- invalid values ------------------------------------------------------------------

_containers: st.SearchStrategy[Any] = st.one_of(
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
_non_strings: st.SearchStrategy[Any] = st.one_of(
    st.integers(), st.booleans(), _finite_decimals, _containers
)

_bad_text: dict[str, st.SearchStrategy[Any]] = {
    "name": st.one_of(
        st.none(),
        _non_strings,
        st.just(""),
        _repeated(st.integers(NAME_MAX + 1, NAME_MAX + 40)),
        _with_inserted(st.just("\x00"), max_size=NAME_MAX),
        _with_inserted(lone_surrogates, max_size=NAME_MAX),
    ),
    "description": st.one_of(
        _non_strings,
        _repeated(st.integers(DESCRIPTION_MAX + 1, DESCRIPTION_MAX + 40)),
        _with_inserted(st.just("\x00"), max_size=DESCRIPTION_MAX),
        _with_inserted(lone_surrogates, max_size=DESCRIPTION_MAX),
    ),
}

_bad_prices: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    _containers,
    # Text that is not a plain decimal numeral.
    st.sampled_from(
        ["", "abc", "1e5", "1E5", "12.", ".5", " 1.00", "1.00 ", "+1.00", "1,00", "NaN", "Infinity"]
    ),
    # Not greater than zero.
    st.integers(max_value=0),
    st.sampled_from([Decimal("0.00"), Decimal("-0.01"), Decimal("-0"), "0", "-12.50"]),
    # More than ten integer digits.
    st.integers(min_value=10**10),
    st.sampled_from([Decimal("10000000000"), Decimal("1E+10"), "10000000000.00"]),
    # More than two decimal places.
    st.integers(1, 10**9)
    .map(lambda n: Decimal(n).scaleb(-3))
    .filter(lambda d: d != d.quantize(CENT)),
    st.sampled_from(["0.001", "12.345", Decimal("0.005")]),
)

_bad_quantities: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    _containers,
    st.text(max_size=4),
    st.sampled_from(["7", "0", Decimal("7.0"), Decimal("1E+1"), Decimal("1.5")]),
    st.integers(max_value=-1),
    st.integers(min_value=MAX_INT32 + 1),
)

INVALID_VALUES: Mapping[str, st.SearchStrategy[Any]] = {
    **_bad_text,
    "price": _bad_prices,
    "quantity": _bad_quantities,
}
"""Per field, values that must be refused in a full body and in a patch alike.

``null`` is among them for required fields: in a body it has the wrong type,
in a merge patch it removes a required member.
"""

_unknown_keys = st.text(min_size=1, max_size=12).filter(lambda key: key not in WRITABLE_FIELDS)
_json_values: st.SearchStrategy[Any] = st.one_of(
    st.integers(), st.booleans(), st.text(max_size=5), _containers
)


@st.composite
def invalid_payloads(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A body with exactly one broken field, and the name of that field.

    The field is broken by a bad value, by being left out (if required), or
    by not being a field at all.
    """
    payload = draw(_payloads())
    how = draw(st.sampled_from(["value", "missing", "unknown"]))
    if how == "missing":
        field = draw(st.sampled_from(REQUIRED_FIELDS))
        del payload[field]
    elif how == "unknown":
        field = draw(_unknown_keys)
        payload[field] = draw(_json_values)
    else:
        field = draw(st.sampled_from(WRITABLE_FIELDS))
        payload[field] = draw(INVALID_VALUES[field])
    return payload, field


@st.composite
def invalid_patches(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A merge patch that breaks exactly one field, and the name of that field."""
    if draw(st.booleans()):
        field = draw(_unknown_keys)
        return {field: draw(_json_values)}, field
    field = draw(st.sampled_from(WRITABLE_FIELDS))
    return {field: draw(INVALID_VALUES[field])}, field


# -- wire format ---------------------------------------------------------------------


def _json_text(value: Any) -> str:
    if isinstance(value, Mapping):
        members = (f"{json.dumps(key)}: {_json_text(item)}" for key, item in value.items())
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(item) for item in value) + "]"
    if isinstance(value, Decimal):
        # A JSON number, spelled exactly (e.g. 1.2E+2), never through float.
        return str(value)
    # json.dumps escapes lone surrogates (\ud800) and NUL, so they reach the
    # server's parser intact.
    return json.dumps(value)


def json_body(payload: Mapping[str, Any]) -> bytes:
    """The request body a client sends for ``payload``."""
    return _json_text(payload).encode("ascii")
