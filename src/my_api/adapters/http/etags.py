"""Entity tags: a strong ETag per stored version, and the conditional headers.

``If-Match`` uses strong comparison (weak tags never match); ``If-None-Match``
uses weak comparison, as RFC 9110 prescribes.
"""

from __future__ import annotations

import re

from my_api.kernel.preconditions import Expectation

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')
# The tags we issue: a version in canonical decimal form (so "01" is not "1").
_VERSION = re.compile(r"[1-9][0-9]{0,17}")


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque) pairs; malformed members are dropped, so they match nothing."""
    found = []
    for member in header.split(","):
        match = _TAG.fullmatch(member)
        if match is not None:
            found.append((match[1] is not None, match[2]))
    return found


def if_match(header: str | None, *, required: bool) -> Expectation:
    """
    >>> if_match('"3", W/"4", "x"', required=False).versions
    frozenset({3})
    >>> if_match("*", required=False).versions is None
    True
    """
    if header is None:
        return Expectation.none(required=required)
    if header.strip() == "*":
        return Expectation.any_version()
    versions = {int(tag) for weak, tag in _tags(header) if not weak and _VERSION.fullmatch(tag)}
    return Expectation.one_of(*versions)


def if_none_match(header: str | None, current: str) -> bool:
    """True when the client already holds ``current`` (so 304 is the answer)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    opaque = current.strip('"')
    return any(tag == opaque for _, tag in _tags(header))
