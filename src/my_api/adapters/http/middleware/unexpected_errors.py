"""The last line of defence: an exception nobody mapped becomes a bare 500 problem.

Innermost of our middleware, so the request id and security headers still
wrap the 500. The traceback goes to the log with the request id; the
client gets no internal text. The exception is not re-raised: it has been
handled, here, once.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from my_api.adapters.http.problems import problem

log = logging.getLogger(__name__)


class UnexpectedErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled exception while serving %s %s", scope["method"], scope["path"])
            if started:
                raise  # too late for a problem response; let the server close the connection
            response = problem(
                500,
                instance=scope["path"],
                detail="An unexpected error occurred; quote the request id when reporting it.",
            )
            await response(scope, receive, send)
