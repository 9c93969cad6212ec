"""The body limit is inclusive: ``max_body_bytes`` bytes pass, one more is a 413.

The middleware is driven as a plain ASGI app around a tiny inner app that
reads the whole body, so nothing else of the service is involved. Starlette's
own ``ExceptionMiddleware`` sits between them, as it does in the real app: a
streamed body that crosses the limit raises inside the endpoint and comes
back out as the 413 response of that exception.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import Message, Receive, Scope, Send

from my_api.adapters.http.middleware.body_limit import BodyLimitMiddleware

LIMIT = 16


@attrs.frozen
class Answer:
    status: int
    body: bytes


async def echo_body_length(scope: Scope, receive: Receive, send: Send) -> None:
    """The inner app: read the body to its end, answer 200 with how many bytes came."""
    assert scope["type"] == "http"
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def post(chunks: Sequence[bytes], *, declared: int | None) -> Answer:
    """POST ``chunks`` through the limit; ``declared=None`` streams them chunked."""
    headers = (
        [(b"transfer-encoding", b"chunked")]
        if declared is None
        else [(b"content-length", str(declared).encode())]
    )
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/things",
        "raw_path": b"/things",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), *headers],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1234),
    }
    pending = [
        {"type": "http.request", "body": chunk, "more_body": position < len(chunks) - 1}
        for position, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    app = BodyLimitMiddleware(ExceptionMiddleware(echo_body_length), max_body_bytes=LIMIT)
    await app(scope, receive, send)
    (start,) = [message for message in sent if message["type"] == "http.response.start"]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], body)


def pieces(size: int, cut: int) -> list[bytes]:
    """``size`` bytes as two chunks split at ``cut`` (bounded by the size)."""
    data = b"x" * size
    at = min(cut, size)
    return [data[:at], data[at:]]


@pytest.mark.parametrize("cut", [0, 1, LIMIT // 2, LIMIT])
async def test_a_declared_body_of_exactly_the_limit_reaches_the_app_whole(cut: int) -> None:
    answer = await post(pieces(LIMIT, cut), declared=LIMIT)
    assert answer == Answer(200, str(LIMIT).encode())


async def test_a_declared_body_one_byte_over_the_limit_is_refused_with_413() -> None:
    answer = await post(pieces(LIMIT + 1, LIMIT), declared=LIMIT + 1)
    assert answer.status == 413


@pytest.mark.parametrize("cut", [0, 1, LIMIT // 2, LIMIT])
async def test_a_streamed_body_of_exactly_the_limit_reaches_the_app_whole(cut: int) -> None:
    answer = await post(pieces(LIMIT, cut), declared=None)
    assert answer == Answer(200, str(LIMIT).encode())


@pytest.mark.parametrize("cut", [1, LIMIT // 2, LIMIT])
async def test_a_streamed_body_one_byte_over_the_limit_is_refused_with_413(cut: int) -> None:
    answer = await post(pieces(LIMIT + 1, cut), declared=None)
    assert answer.status == 413


async def test_a_body_that_declares_the_limit_but_streams_one_byte_more_is_refused_with_413() -> (
    None
):
    answer = await post(pieces(LIMIT + 1, LIMIT), declared=LIMIT)
    assert answer.status == 413
