"""Refuse request bodies over the configured size (413), declared or streamed.

A declared ``Content-Length`` over the limit is answered at once, before
the app runs (the server has already refused one that is not a number).
A chunked or lying body is counted as it is read; crossing the limit
raises ``BodyTooLarge`` inside the endpoint, which the problem handler
turns into the same 413.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from my_api.adapters.http.problems import problem


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds the limit of {limit} bytes.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            # No body at all (HTTP/1.1 framing): nothing to count.
            await self.app(scope, receive, send)
            return
        if declared is not None and (len(declared) > 18 or int(declared or b"0") > self.limit):
            response = problem(413, instance=scope["path"], detail=BodyTooLarge(self.limit).detail)
            await response(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)
