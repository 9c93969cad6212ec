"""A request body that stops arriving is answered 408, not waited for forever.

Each chunk of the body must arrive within the configured seconds of asking
for it. Past that, ``receive`` raises ``BodyTimedOut`` inside the endpoint
(as ``BodyTooLarge`` does), which the problem handler turns into a 408
problem with ``Connection: close``: the rest of that body is never read.
Once the body is complete ``receive`` is passed through untouched (waiting
for a disconnect is not a slow client).
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimedOut(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"The request body stopped arriving for {seconds:g} s.",
            headers={"Connection": "close"},
        )


class BodyTimeoutMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def bounded_receive() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout(self.seconds):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut(self.seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, bounded_receive, send)
