"""The lexical layer of the list query language: names, quoted values, lists.

Inside ``or=(...)`` groups and ``in.(...)`` lists a value is either quoted
(``"a,b"``, with backslash escapes) or runs up to the next ``,`` or ``)``;
a raw value holding ``(``, a double quote or a backslash must be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class InvalidQuery(ValueError):
    """A parse error inside one parameter; becomes a FieldError naming it."""


class Scanner:
    """A cursor over one parameter's text. The position is its own: callers move it
    only by reading (``take``, ``expect``, ``word``, ``element``, ``items``).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0

    def peek(self, token: str) -> bool:
        return self._text.startswith(token, self._at)

    def take(self, token: str) -> bool:
        """Step over ``token`` if it comes next; say whether it did.

        >>> scanner = Scanner("not.or(")
        >>> scanner.take("not."), scanner.take("not."), scanner.word()
        (True, False, 'or')
        """
        if not self.peek(token):
            return False
        self._at += len(token)
        return True

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise InvalidQuery(f"expected {token!r} at position {self._at + 1}")

    def done(self) -> bool:
        return self._at >= len(self._text)

    def end(self) -> None:
        """Refuse anything left over, saying where the parse stopped."""
        if not self.done():
            raise InvalidQuery(f"unexpected text after position {self._at}")

    def word(self) -> str:
        match = _NAME.match(self._text, self._at)
        if match is None:
            raise InvalidQuery(f"expected a name at position {self._at + 1}")
        self._at = match.end()
        return match.group()

    def element(self) -> str:
        """A list element or group value: quoted, or raw up to ``,`` or ``)``."""
        if self.take('"'):
            chars: list[str] = []
            while not self.done():
                char = self._text[self._at]
                self._at += 1
                if char == "\\" and not self.done():
                    chars.append(self._text[self._at])
                    self._at += 1
                elif char == '"':
                    return "".join(chars)
                else:
                    chars.append(char)
            raise InvalidQuery("a quoted value is not closed")
        end = self._at
        while end < len(self._text) and self._text[end] not in ",)":
            end += 1
        raw, self._at = self._text[self._at : end], end
        if set(raw) & set('("\\'):
            raise InvalidQuery(f"{raw[:40]!r} must be quoted")
        return raw

    def items(self, parse_one: Callable[[], T]) -> list[T]:
        self.expect("(")
        found = [parse_one()]
        while self.take(","):
            found.append(parse_one())
        self.expect(")")
        return found
