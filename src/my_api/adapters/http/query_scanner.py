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
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.at)

    def expect(self, token: str) -> None:
        if not self.peek(token):
            raise InvalidQuery(f"expected {token!r} at position {self.at + 1}")
        self.at += len(token)

    def done(self) -> bool:
        return self.at >= len(self.text)

    def word(self) -> str:
        match = _NAME.match(self.text, self.at)
        if match is None:
            raise InvalidQuery(f"expected a name at position {self.at + 1}")
        self.at = match.end()
        return match.group()

    def element(self) -> str:
        """A list element or group value: quoted, or raw up to ``,`` or ``)``."""
        if self.peek('"'):
            self.at += 1
            chars: list[str] = []
            while not self.done():
                char = self.text[self.at]
                self.at += 1
                if char == "\\" and not self.done():
                    chars.append(self.text[self.at])
                    self.at += 1
                elif char == '"':
                    return "".join(chars)
                else:
                    chars.append(char)
            raise InvalidQuery("a quoted value is not closed")
        end = self.at
        while end < len(self.text) and self.text[end] not in ",)":
            end += 1
        raw, self.at = self.text[self.at : end], end
        if set(raw) & set('("\\'):
            raise InvalidQuery(f"{raw[:40]!r} must be quoted")
        return raw

    def items(self, parse_one: Callable[[], T]) -> list[T]:
        self.expect("(")
        found = [parse_one()]
        while self.peek(","):
            self.at += 1
            found.append(parse_one())
        self.expect(")")
        return found
