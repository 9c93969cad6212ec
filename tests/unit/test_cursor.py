"""Keyset cursors (``shared/cursor.py``): opaque, URL-safe, signed, bound to one query.

Laws: decoding what was encoded (same secret, same fingerprint, the sort's
column types) gives back the keyset, every column type and NULL included, in
both directions. Anything else a client may send (an altered, truncated,
foreign, replayed or made-up token) is a Failure whose message says what is
wrong with the cursor, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.kernel.cursor import CursorCodec
from my_api.kernel.keyset import Keyset
from my_api.kernel.table import ColumnType
from tests.strategies import timestamps

SECRET = b"unit-test-cursor-secret"
CODEC = CursorCodec(SECRET)
FINGERPRINT = "0123456789abcdef0123456789abcdef"
FOREIGN = "is not a cursor issued by this service"
REPLAYED = "was issued for a different filter or sort"
URL_SAFE = re.compile(r"[A-Za-z0-9_.-]+")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# -- values of every column type, boundaries first ----------------------------------

_texts = st.one_of(
    st.sampled_from(["", " ", ".", '"', "\\", "é", "\U0001f600", "a\x00b", "'; DROP TABLE items"]),
    st.text(st.characters(exclude_categories=["Cs"])),
)
_decimals = st.one_of(
    st.sampled_from(
        [Decimal("0.01"), Decimal("9999999999.99"), Decimal("0.00"), Decimal("-12.50")]
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20),
)
_integers = st.one_of(
    st.sampled_from([0, -1, 1, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63)]),
    st.integers(-(2**63), 2**63 - 1),
)
_datetimes = st.one_of(
    st.sampled_from(
        [
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
            datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            # Another offset: the same instant comes back (in UTC).
            datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=-5))),
        ]
    ),
    timestamps,
)
_uuids = st.one_of(st.sampled_from([UUID(int=0), UUID(int=2**128 - 1)]), st.uuids())

VALUES: dict[ColumnType, st.SearchStrategy[Any]] = {
    ColumnType.UUID: _uuids,
    ColumnType.TEXT: _texts,
    ColumnType.DECIMAL: _decimals,
    ColumnType.CENTS: _decimals,
    ColumnType.INTEGER: _integers,
    ColumnType.TIMESTAMP: _datetimes,
}


@st.composite
def typed_boundaries(draw: st.DrawFn) -> tuple[list[ColumnType], tuple[Any, ...]]:
    """Column types of a sort (1 to 4 keys) and a boundary row's values, NULLs included."""
    # Every type a sort may use: a JSON column is never sortable.
    types = draw(st.lists(st.sampled_from(list(VALUES)), min_size=1, max_size=4))
    values = tuple(draw(st.one_of(st.none(), VALUES[kind])) for kind in types)
    return types, values


def a_token(boundary: tuple[Any, ...] = (Decimal("12.50"), UUID(int=7))) -> str:
    return CODEC.encode(Keyset(boundary, after=True), FINGERPRINT)


TYPES = [ColumnType.DECIMAL, ColumnType.UUID]


def decoded(token: str, fingerprint: str = FINGERPRINT) -> Any:
    return CODEC.decode(token, fingerprint, TYPES)


# -- round trips ---------------------------------------------------------------------


@settings(max_examples=200)
@given(typed=typed_boundaries(), after=st.booleans())
def test_a_keyset_of_any_column_types_survives_the_round_trip_in_both_directions(
    typed: tuple[list[ColumnType], tuple[Any, ...]], *, after: bool
) -> None:
    types, boundary = typed
    token = CODEC.encode(Keyset(boundary, after=after), FINGERPRINT)

    outcome = CODEC.decode(token, FINGERPRINT, types)

    assert outcome == Success(Keyset(boundary, after=after))
    for value, back in zip(boundary, outcome.unwrap().boundary, strict=True):
        assert type(back) is type(value)
        if isinstance(value, Decimal) and int(value.as_tuple().exponent) <= 0:
            # Digits and scale, not merely the number: 12.50 stays 12.50.
            assert back.as_tuple() == value.as_tuple()
        if isinstance(value, datetime):
            assert back.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (ColumnType.UUID, UUID(int=0)),
        (ColumnType.UUID, UUID(int=2**128 - 1)),
        (ColumnType.TEXT, ""),
        (ColumnType.TEXT, "\U0001f600 naïve \u202e"),
        (ColumnType.DECIMAL, Decimal("0.01")),
        (ColumnType.DECIMAL, Decimal("9999999999.99")),
        (ColumnType.INTEGER, 2**31 - 1),
        (ColumnType.INTEGER, 0),
        (ColumnType.TIMESTAMP, datetime.min.replace(tzinfo=UTC)),
        (ColumnType.TIMESTAMP, datetime.max.replace(tzinfo=UTC)),
        (ColumnType.TEXT, None),
        (ColumnType.TIMESTAMP, None),
    ],
)
@pytest.mark.parametrize("after", [True, False])
def test_boundary_values_of_each_column_type_come_back_exactly(
    kind: ColumnType, value: Any, *, after: bool
) -> None:
    token = CODEC.encode(Keyset((value, UUID(int=1)), after=after), FINGERPRINT)
    assert CODEC.decode(token, FINGERPRINT, [kind, ColumnType.UUID]) == Success(
        Keyset((value, UUID(int=1)), after=after)
    )


# -- opacity -------------------------------------------------------------------------


@settings(max_examples=100)
@given(typed=typed_boundaries(), after=st.booleans(), fingerprint=st.text(max_size=40))
def test_a_token_is_url_safe_whatever_the_boundary_holds(
    typed: tuple[list[ColumnType], tuple[Any, ...]], *, after: bool, fingerprint: str
) -> None:
    token = CODEC.encode(Keyset(typed[1], after=after), fingerprint)
    assert URL_SAFE.fullmatch(token), token


def test_a_token_does_not_show_its_boundary_or_fingerprint_in_clear() -> None:
    token = a_token(("lamp-shade", UUID(int=7)))
    assert "lamp-shade" not in token
    assert FINGERPRINT not in token


def test_the_same_keyset_walking_the_other_way_is_another_token() -> None:
    boundary = (Decimal("1.00"), UUID(int=1))
    assert CODEC.encode(Keyset(boundary, after=True), FINGERPRINT) != CODEC.encode(
        Keyset(boundary, after=False), FINGERPRINT
    )


# -- refusals ------------------------------------------------------------------------


@settings(max_examples=300)
@given(data=st.data(), replacement=st.characters(codec="ascii"))
def test_a_token_with_any_altered_character_is_refused(
    data: st.DataObject, replacement: str
) -> None:
    token = a_token()
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    assume(token[position] != replacement)
    altered = token[:position] + replacement + token[position + 1 :]

    assert decoded(altered) == Failure(FOREIGN)


def _aliased(token: str) -> str:
    """``token`` with its first ``-`` or ``_`` spelled the standard-base64 way."""
    position = next(i for i, character in enumerate(token) if character in "-_")
    return token[:position] + {"-": "+", "_": "/"}[token[position]] + token[position + 1 :]


def _token_with_a_dash_or_underscore() -> str:
    return next(
        token
        for n in range(1000)
        if ("-" in (token := a_token((Decimal(n), UUID(int=n)))) or "_" in token)
    )


def _last_bits_flipped(token: str) -> str:
    """The last character carries bits no byte uses (32 bytes = 43 characters + 2 bits)."""
    return token[:-1] + ALPHABET[ALPHABET.index(token[-1]) ^ 1]


@pytest.mark.parametrize(
    "respell",
    [
        pytest.param(lambda: _last_bits_flipped(a_token()), id="unused-bits"),
        pytest.param(lambda: _aliased(_token_with_a_dash_or_underscore()), id="alias"),
        pytest.param(lambda: a_token() + "=", id="padding"),
        pytest.param(lambda: a_token().replace(".", "=.", 1), id="inner-padding"),
    ],
)
def test_another_spelling_of_the_same_bytes_is_refused(respell: Callable[[], str]) -> None:
    """Lenient base64 would decode these to a valid token's bytes; only what we issue passes."""
    altered = respell()
    assert altered not in {a_token(), _token_with_a_dash_or_underscore()}
    assert decoded(altered) == Failure(FOREIGN)


@given(cut=st.integers(0, 200))
def test_a_truncated_token_is_refused(cut: int) -> None:
    token = a_token()
    assume(cut < len(token))
    assert decoded(token[:cut]) == Failure(FOREIGN)


@settings(max_examples=200)
@given(garbage=st.text())
@example(garbage="")
@example(garbage=".")
@example(garbage="e30.")
@example(garbage="null.null")
def test_random_garbage_is_refused_without_an_exception(garbage: str) -> None:
    assert decoded(garbage) == Failure(FOREIGN)


@pytest.mark.parametrize(
    "token", ["é", "\uff45\uff59\uff2a\uff49.\uff58", "eyJi\u00a0.abc", "\U0001f600.\U0001f600"]
)
def test_a_non_ascii_token_is_refused(token: str) -> None:
    assert decoded(token) == Failure(FOREIGN)


def test_a_non_ascii_character_swapped_into_a_valid_token_is_refused() -> None:
    token = a_token()
    assert decoded(token[:5] + "é" + token[6:]) == Failure(FOREIGN)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    boundary = (Decimal("12.50"), UUID(int=7))
    foreign = CursorCodec(b"another-secret").encode(Keyset(boundary, after=True), FINGERPRINT)
    assert decoded(foreign) == Failure(FOREIGN)


def test_a_payload_re_signed_under_our_name_by_someone_else_is_refused() -> None:
    """Swapping the body of one valid token into another's signature fails the HMAC."""
    first, second = a_token((Decimal("1.00"), UUID(int=1))), a_token((Decimal("2.00"), UUID(int=2)))
    spliced = first.partition(".")[0] + "." + second.partition(".")[2]
    assert decoded(spliced) == Failure(FOREIGN)


@given(other=st.text(max_size=40))
def test_a_token_replayed_with_another_fingerprint_is_refused(other: str) -> None:
    assume(other != FINGERPRINT)
    assert decoded(a_token(), other) == Failure(REPLAYED)


def test_a_token_decoded_for_a_sort_with_another_number_of_keys_is_refused() -> None:
    token = a_token()
    assert CODEC.decode(token, FINGERPRINT, [ColumnType.UUID]) == Failure(REPLAYED)
    assert CODEC.decode(token, FINGERPRINT, [*TYPES, ColumnType.TEXT]) == Failure(REPLAYED)


def test_failure_messages_name_what_is_wrong_with_the_cursor() -> None:
    """The parser reports them under the ``cursor`` parameter, so they read as a predicate."""
    assert "cursor" in FOREIGN
    assert "filter or sort" in REPLAYED
