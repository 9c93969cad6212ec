"""JSONResponse builds its headers its own way; the headers must be Starlette's."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import Response

from my_api.adapters.http.json import JSONResponse, ProblemResponse

_names = st.sampled_from(
    ["ETag", "Location", "Allow", "Retry-After", "Content-Type", "content-length", "X-Custom"]
)
_values = st.text(alphabet="abcdefghij0123456789/;= ", min_size=1, max_size=12)


@given(
    st.sampled_from([JSONResponse, ProblemResponse]),
    st.sampled_from([100, 101, 200, 201, 204, 304, 400, 404, 412, 422, 500, 503]),
    st.none() | st.dictionaries(_names, _values, max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(-(2**63), 2**63 - 1), max_size=3),
)
def test_the_headers_are_the_ones_starlette_would_send(
    response_type: type[JSONResponse], status: int, headers: Any, document: Any
) -> None:
    ours = response_type(document, status_code=status, headers=headers)
    # The same body and media type through Starlette's own ``init_headers``.
    theirs = Response(ours.body, status, headers, response_type.media_type)

    assert sorted(ours.raw_headers) == sorted(theirs.raw_headers)
