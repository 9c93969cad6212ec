"""``like``/``ilike`` patterns: ``*`` is the only wildcard, everything else is literal.

``matches`` is the Python reading, ``sql_like_pattern`` the SQL one (``LIKE ...
ESCAPE '\\'``). ``like`` is case-sensitive; ``ilike`` folds ASCII letters only,
a documented decision (shared/like.py): it is what ``lower()`` does on SQLite
and on PostgreSQL under the C collation, so 'A' and 'a' are alike under ilike
but 'É' and 'é' are not. The property at the end holds the two readings to
each other with a real SQLite ``LIKE``.
"""

from __future__ import annotations

import sqlite3
import string
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from my_api.kernel.like import ascii_lower, matches, sql_like_pattern
from tests.spec_strategies import patterns, texts

# Spelled as escapes: these letters look like ASCII ones (which is the point).
DOTLESS_I = "\u0131"
DOTTED_CAPITAL_I = "\u0130"
KELVIN_SIGN = "\u212a"
SMALL_SIGMA = "\u03c3"


# --- the wildcard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("*", ""),
        ("*", "anything at all"),
        ("lamp*", "lamp"),
        ("lamp*", "lampshade"),
        ("*lamp", "desk lamp"),
        ("*lamp*", "a lamp here"),
        ("a*b*c", "a--b--c"),
        ("**", "x"),
        ("a*b", "a\nb"),  # * crosses line breaks, as % does
        ("*", "*"),
    ],
)
def test_a_star_matches_any_run_of_characters_including_none(pattern: str, text: str) -> None:
    assert matches(pattern, text, case_sensitive=True)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("lamp*", "a lamp"), ("*lamp", "lamps"), ("a*c", "abd"), ("", "x"), ("x", "")],
)
def test_a_pattern_must_match_the_whole_text(pattern: str, text: str) -> None:
    assert not matches(pattern, text, case_sensitive=True)


# --- everything else is literal ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "literal", "other"),
    [
        ("50%", "50%", "500"),
        ("50%*", "50% off", "5000"),
        ("a_c", "a_c", "abc"),
        ("__", "__", "ab"),
        ("a\\b", "a\\b", "ab"),
        ("a\\%", "a\\%", "a%"),
        ("a\\_", "a\\_", "a_"),
        ("\\*", "\\anything", "anything"),  # a backslash does not escape the star
        (".*", ".x", "xx"),
        ("^a$", "^a$", "a"),
        ("[ab]", "[ab]", "a"),
        ("a+?", "a+?", "aa"),
        ("(x)|y", "(x)|y", "y"),
    ],
)
def test_percent_underscore_backslash_and_regex_characters_are_literal(
    pattern: str, literal: str, other: str
) -> None:
    assert matches(pattern, literal, case_sensitive=True)
    assert matches(pattern, literal, case_sensitive=False)
    assert not matches(pattern, other, case_sensitive=True)
    assert not matches(pattern, other, case_sensitive=False)


# --- case ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("Lamp", "lamp"), ("lamp", "LAMP"), ("*AMP", "lamp"), ("É", "é"), ("ß", "SS")],
)
def test_like_is_case_sensitive(pattern: str, text: str) -> None:
    assert not matches(pattern, text, case_sensitive=True)
    assert matches(pattern, pattern, case_sensitive=True)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("LAMP", "lamp"), ("lamp", "LaMp"), ("*DESK*", "a desk lamp"), ("A*Z", "abcz")],
)
def test_ilike_ignores_the_case_of_ascii_letters(pattern: str, text: str) -> None:
    assert matches(pattern, text, case_sensitive=False)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("É", "é"),
        ("é", "É"),
        ("ÉCOLE", "école"),
        ("ß", "SS"),
        ("ß", "ẞ"),
        (DOTTED_CAPITAL_I, "i"),
        ("I", DOTLESS_I),
        ("Σ", SMALL_SIGMA),
        (KELVIN_SIGN, "k"),
    ],
)
def test_ilike_folds_ascii_only_so_other_case_pairs_stay_distinct(pattern: str, text: str) -> None:
    """The documented decision: SQLite's lower() and PostgreSQL's under the C
    collation fold A-Z only; Python is held to the same rule.
    """
    assert not matches(pattern, text, case_sensitive=False)
    assert matches(pattern, pattern, case_sensitive=False)


def test_ascii_lower_changes_only_the_letters_a_to_z() -> None:
    assert ascii_lower("ÉCOLE Lamp ß İ Z") == "École lamp ß İ z"


# --- the SQL pattern --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "sql"),
    [
        ("plain", "plain"),
        ("*", "%"),
        ("a*b*", "a%b%"),
        ("%", "\\%"),
        ("_", "\\_"),
        ("\\", "\\\\"),
        ("\\*", "\\\\%"),
        ("\\%", "\\\\\\%"),
        ("50%_off*", "50\\%\\_off%"),
        ("É*ß", "É%ß"),
    ],
)
def test_the_sql_pattern_escapes_percent_underscore_and_backslash_and_turns_star_into_percent(
    pattern: str, sql: str
) -> None:
    assert sql_like_pattern(pattern) == sql


@given(pattern=texts())
def test_an_sql_pattern_never_ends_in_a_lone_escape_character(pattern: str) -> None:
    """A trailing lone ``\\`` would be a malformed LIKE pattern on both databases."""
    translated = sql_like_pattern(pattern)
    trailing = len(translated) - len(translated.rstrip("\\"))
    assert trailing % 2 == 0


# --- both readings agree with a real LIKE -------------------------------------------------


@pytest.fixture(scope="module")
def case_sensitive_sqlite() -> Iterator[sqlite3.Connection]:
    """An SQLite connection whose LIKE is case-sensitive, as the app configures it."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA case_sensitive_like = ON")
        yield connection
    finally:
        connection.close()


def _sqlite_like(connection: sqlite3.Connection, subject_sql: str, text: str, pattern: str) -> bool:
    row = connection.execute(f"SELECT {subject_sql} LIKE ? ESCAPE '\\'", (text, pattern)).fetchone()
    return bool(row[0])


@st.composite
def _texts_and_patterns(draw: st.DrawFn) -> tuple[str, str]:
    """A text, and a pattern made of ``*`` and (often recased) pieces of it."""
    text = draw(texts())
    return text, draw(patterns([text]))


@settings(max_examples=300)
@given(case=_texts_and_patterns())
def test_like_in_python_agrees_with_sqlite_like_on_the_escaped_pattern(
    case_sensitive_sqlite: sqlite3.Connection, case: tuple[str, str]
) -> None:
    text, pattern = case
    in_sql = _sqlite_like(case_sensitive_sqlite, "?", text, sql_like_pattern(pattern))
    assert matches(pattern, text, case_sensitive=True) == in_sql


@settings(max_examples=300)
@given(case=_texts_and_patterns())
def test_ilike_in_python_agrees_with_sqlite_lower_like_on_the_lowered_pattern(
    case_sensitive_sqlite: sqlite3.Connection, case: tuple[str, str]
) -> None:
    """How ilike is compiled: ``lower(column) LIKE <ascii-lowered, escaped pattern>``."""
    text, pattern = case
    escaped = sql_like_pattern(ascii_lower(pattern))
    in_sql = _sqlite_like(case_sensitive_sqlite, "lower(?)", text, escaped)
    assert matches(pattern, text, case_sensitive=False) == in_sql


_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


@given(text=texts())
def test_every_text_matches_itself_and_under_ilike_its_ascii_recasings(text: str) -> None:
    assert matches(text, text, case_sensitive=True)
    assert matches(text.translate(_ASCII_UPPER), text, case_sensitive=False)
    assert matches(ascii_lower(text), text, case_sensitive=False)
