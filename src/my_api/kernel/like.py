"""``like``/``ilike`` patterns: ``*`` is the only wildcard, everything else is literal.

The same user pattern is translated for SQL (``LIKE ... ESCAPE '\\'``) and for
Python (a regular expression), so both readings agree. ``ilike`` folds ASCII
letters only, because that is what ``lower()`` does on SQLite and on
PostgreSQL under the C collation; Python is held to the same rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """
    >>> ascii_lower("ÉCOLE Lamp")
    'École lamp'
    """
    return text.translate(_ASCII_LOWER)


def sql_like_pattern(pattern: str) -> str:
    r"""The LIKE pattern (escape character ``\``) matching what ``pattern`` means.

    >>> sql_like_pattern(r"50%_off*\x")
    '50\\%\\_off%\\\\x'
    """
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def matches(pattern: str, text: str, *, case_sensitive: bool) -> bool:
    """
    >>> matches("*lamp*", "Desk lamp", case_sensitive=True)
    True
    >>> matches("*LAMP", "desk lamp", case_sensitive=False)
    True
    >>> matches("a_c", "abc", case_sensitive=True)
    False
    """
    if not case_sensitive:
        pattern, text = ascii_lower(pattern), ascii_lower(text)
    return _regex(pattern).fullmatch(text) is not None


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), flags=re.DOTALL)
