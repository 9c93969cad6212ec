"""The conditional headers (``If-Match``, ``If-None-Match``) and JSON body reading."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.http.body import JSON, MERGE_PATCH, media_type_error, parse_object
from my_api.adapters.http.etags import etag, if_match, if_none_match
from my_api.kernel.errors import (
    MalformedRequest,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
)
from my_api.kernel.preconditions import Expectation

versions = st.integers(min_value=1, max_value=10**12)


@attrs.frozen
class Stored:
    version: int


def matches(header: str | None, version: int) -> bool:
    return isinstance(if_match(header, required=False).check(Stored(version)), Success)


# -- ETag ------------------------------------------------------------------------------


@settings(max_examples=50)
@given(version=versions)
def test_an_etag_is_a_strong_quoted_tag_of_the_version(version: int) -> None:
    tag = etag(version)
    assert tag == f'"{version}"'
    assert not tag.startswith("W/")


@settings(max_examples=50)
@given(version=versions, other=versions)
def test_if_match_with_the_etag_of_a_version_matches_that_version_and_no_other(
    version: int, other: int
) -> None:
    assert matches(etag(version), version)
    assert matches(etag(version), other) is (version == other)


# -- If-Match --------------------------------------------------------------------------


def test_without_if_match_any_version_may_be_written() -> None:
    expectation = if_match(None, required=False)
    assert expectation == Expectation.none()
    assert expectation.demanded() == Success(None)
    assert matches(None, 7)


def test_without_if_match_a_server_that_requires_it_answers_precondition_required() -> None:
    assert if_match(None, required=True).demanded() == Failure(PreconditionRequired())


def test_a_sent_if_match_satisfies_a_server_that_requires_one() -> None:
    assert if_match('"1"', required=True).demanded() == Success(None)
    assert if_match("*", required=True).demanded() == Success(None)


def test_if_match_star_matches_any_current_version() -> None:
    assert if_match("*", required=False) == Expectation.any_version()
    assert if_match("  *  ", required=False).versions is None
    assert matches("*", 1)
    assert matches("*", 99)


def test_a_stale_if_match_is_a_failed_precondition() -> None:
    assert if_match('"1"', required=False).check(Stored(2)) == Failure(PreconditionFailed())


def test_if_match_accepts_a_list_of_strong_tags_and_matches_any_of_them() -> None:
    header = '"1", "3" ,"5"'
    assert if_match(header, required=False).versions == frozenset({1, 3, 5})
    assert matches(header, 3)
    assert not matches(header, 2)


@pytest.mark.parametrize("header", ['W/"3"', ' W/"3" ', 'W/"3", W/"4"'])
def test_a_weak_tag_never_satisfies_if_match(header: str) -> None:
    """RFC 9110 13.1.1: If-Match uses the strong comparison; weak tags never match."""
    assert not matches(header, 3)
    assert if_match(header, required=False).sent


def test_a_weak_tag_in_a_list_does_not_spoil_the_strong_ones() -> None:
    assert matches('W/"3", "4"', 4)
    assert not matches('W/"3", "4"', 3)


@pytest.mark.parametrize(
    "header",
    ["3", "garbage", '"abc"', '"3', '3"', '""', '"3"x', "**", '"-1"', '"+3"', '" 3"', ",", ""],
)
def test_a_malformed_if_match_matches_nothing_and_still_counts_as_sent(header: str) -> None:
    expectation = if_match(header, required=True)
    assert expectation.sent
    assert expectation.demanded() == Success(None)
    for version in (1, 3):
        assert expectation.check(Stored(version)) == Failure(PreconditionFailed())


def test_if_match_compares_opaque_tags_exactly_so_a_leading_zero_is_another_tag() -> None:
    assert not matches('"01"', 1)


def test_an_if_match_with_non_ascii_digits_matches_nothing_instead_of_crashing() -> None:
    assert not matches('"\u00b3"', 3)


def test_an_if_match_with_an_absurdly_long_number_matches_nothing_instead_of_crashing() -> None:
    assert not matches('"' + "9" * 5000 + '"', 1)


# -- If-None-Match ---------------------------------------------------------------------


def test_without_if_none_match_the_representation_is_sent() -> None:
    assert not if_none_match(None, etag(1))


def test_if_none_match_with_the_current_tag_means_not_modified() -> None:
    assert if_none_match('"4"', etag(4))


def test_if_none_match_uses_the_weak_comparison_so_a_weak_tag_also_matches() -> None:
    """RFC 9110 13.1.2: If-None-Match compares weakly."""
    assert if_none_match('W/"4"', etag(4))


def test_if_none_match_with_another_tag_sends_the_representation() -> None:
    assert not if_none_match('"3"', etag(4))
    assert not if_none_match('W/"3"', etag(4))


def test_if_none_match_matches_when_any_tag_in_the_list_is_current() -> None:
    assert if_none_match('"1", W/"2", "4"', etag(4))
    assert not if_none_match('"1", W/"2", "5"', etag(4))


def test_if_none_match_star_matches_any_existing_representation() -> None:
    assert if_none_match("*", etag(1))
    assert if_none_match(" * ", etag(12))


@pytest.mark.parametrize("header", ["4", "garbage", '"4', '"04"', "", "W/4", '"9" "4"'])
def test_a_malformed_if_none_match_never_suppresses_the_representation(header: str) -> None:
    assert not if_none_match(header, etag(4))


@settings(max_examples=50)
@given(version=versions, weak=st.booleans())
def test_if_none_match_of_a_tag_matches_exactly_its_own_version(
    *, version: int, weak: bool
) -> None:
    header = ("W/" if weak else "") + etag(version)
    assert if_none_match(header, etag(version))
    assert not if_none_match(header, etag(version + 1))


# -- Content-Type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        " application/json ; charset=utf-8",
    ],
)
def test_json_is_accepted_with_or_without_a_utf8_charset(content_type: str) -> None:
    assert media_type_error(content_type, JSON) is None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "application/merge-patch+json",
    ],
)
def test_other_media_types_and_charsets_are_unsupported(content_type: str) -> None:
    assert media_type_error(content_type, JSON) == UnsupportedMediaType(content_type, JSON)


def test_a_missing_content_type_is_unsupported_and_says_none_was_sent() -> None:
    assert media_type_error(None, JSON) == UnsupportedMediaType("(none)", JSON)
    assert media_type_error("", JSON) == UnsupportedMediaType("(none)", JSON)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/merge-patch+json",
        "application/json",
        "application/merge-patch+json; charset=utf-8",
    ],
)
def test_patch_accepts_merge_patch_and_plain_json(content_type: str) -> None:
    assert media_type_error(content_type, MERGE_PATCH) is None


# -- JSON body -------------------------------------------------------------------------


def malformed(raw: bytes) -> str:
    parsed = parse_object(raw)
    assert isinstance(parsed, Failure), parsed
    error = parsed.failure()
    assert isinstance(error, MalformedRequest), error
    return error.detail


def test_a_json_object_is_read_with_exact_decimal_numbers() -> None:
    parsed = parse_object(b'{"price": 1.10, "quantity": 3, "big": 1e400, "tiny": 0.1}').unwrap()
    assert parsed == {
        "price": Decimal("1.10"),
        "quantity": 3,
        "big": Decimal("1e400"),
        "tiny": Decimal("0.1"),
    }
    assert str(parsed["price"]) == "1.10"
    assert type(parsed["quantity"]) is int


def test_nested_values_are_read_too() -> None:
    parsed = parse_object(b'{"a": {"b": [1.5, null, true, "x"]}}').unwrap()
    assert parsed == {"a": {"b": [Decimal("1.5"), None, True, "x"]}}


@settings(max_examples=50)
@given(
    document=st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=5,
    )
)
def test_any_json_object_without_fractions_round_trips(document: dict[str, object]) -> None:
    assert parse_object(json.dumps(document).encode()) == Success(document)


@settings(max_examples=50)
@given(number=st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_decimal_numbers_are_read_without_binary_rounding(number: Decimal) -> None:
    parsed = parse_object(b'{"price": ' + str(number).encode() + b"}").unwrap()
    assert parsed["price"] == number


@pytest.mark.parametrize("raw", [b"[1]", b'"text"', b"3", b"null", b"true", b"[]", b'[{"a": 1}]'])
def test_a_body_that_is_not_a_json_object_is_malformed(raw: bytes) -> None:
    assert malformed(raw) == "The request body must be a JSON object."


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"{", b'{"a": }', b"{'a': 1}", b'{"a": 1} x', b"\x00"]
)
def test_text_that_is_not_json_is_malformed(raw: bytes) -> None:
    assert "not valid UTF-8 JSON" in malformed(raw)


@pytest.mark.parametrize(
    "raw", [b'{"name": "\xff"}', b'{"name": "\xc3"}', b"\xfe\xff{}", b'{"a": "\xed\xa0\x80"}']
)
def test_bytes_that_are_not_utf8_are_malformed(raw: bytes) -> None:
    assert "not valid UTF-8 JSON" in malformed(raw)


def test_a_utf8_byte_order_mark_is_refused_as_malformed() -> None:
    """RFC 8259 8.1: senders must not add a BOM; this reader does not tolerate one."""
    assert "not valid UTF-8 JSON" in malformed(b'\xef\xbb\xbf{"a": 1}')


def test_non_ascii_text_in_utf8_is_read() -> None:
    assert parse_object('{"name": "Lampe \u00e0 p\u00e9trole \u2603"}'.encode()).unwrap() == {
        "name": "Lampe \u00e0 p\u00e9trole \u2603"
    }


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_refused_as_not_json_numbers(constant: bytes) -> None:
    detail = malformed(b'{"price": ' + constant + b"}")
    assert "is not a JSON number" in detail
    assert constant.decode().lstrip("-") in detail


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": 1, "a": 1}',
        b'{"outer": {"b": 1, "b": 2}}',
        b'{"x": [{"k": 0, "k": 0}]}',
    ],
)
def test_an_object_that_repeats_a_key_is_refused_wherever_it_is(raw: bytes) -> None:
    assert "repeats a key" in malformed(raw)


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
def test_absurdly_deep_nesting_is_malformed_rather_than_a_crash(opening: bytes) -> None:
    # About 1 MiB, the default body limit: the most a client can send.
    raw = b'{"a":' + opening * (1_048_576 // len(opening))
    assert "not valid UTF-8 JSON" in malformed(raw)


def test_deep_but_complete_nesting_is_malformed_rather_than_a_crash() -> None:
    depth = 200_000
    raw = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
    assert "not valid UTF-8 JSON" in malformed(raw)


def test_an_integer_too_long_to_convert_is_malformed_rather_than_a_crash() -> None:
    assert "not valid UTF-8 JSON" in malformed(b'{"quantity": ' + b"1" * 5000 + b"}")
