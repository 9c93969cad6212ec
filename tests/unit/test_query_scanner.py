"""The query scanner owns its position: the parser moves it only by reading."""

from __future__ import annotations

import pytest

from my_api.adapters.http.query_scanner import InvalidQuery, Scanner


def test_take_steps_over_a_token_only_when_it_comes_next() -> None:
    scanner = Scanner("not.eq.1")

    assert scanner.take("eq.") is False
    assert scanner.take("not.") is True
    assert scanner.word() == "eq"


def test_an_empty_list_taken_whole_leaves_nothing_to_read() -> None:
    scanner = Scanner("()")

    assert scanner.take("()")
    assert scanner.done()


def test_end_refuses_leftover_text_naming_where_the_parse_stopped() -> None:
    scanner = Scanner("(a,b)x")
    assert scanner.items(scanner.element) == ["a", "b"]

    with pytest.raises(InvalidQuery, match="unexpected text after position 5"):
        scanner.end()


def test_end_accepts_text_read_to_its_last_character() -> None:
    scanner = Scanner('("a,b",c)')
    assert scanner.items(scanner.element) == ["a,b", "c"]

    scanner.end()
