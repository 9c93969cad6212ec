"""Headers that make a JSON API safe to put in front of browsers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Responses are data, never documents to render or frame.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def security_headers(hsts_max_age_seconds: int) -> dict[str, str]:
    """
    >>> security_headers(0)["X-Frame-Options"]
    'DENY'
    >>> security_headers(31536000)["Strict-Transport-Security"]
    'max-age=31536000; includeSubDomains'
    """
    headers = dict(BASELINE)
    if hsts_max_age_seconds > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_max_age_seconds}; includeSubDomains"
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_max_age_seconds: int) -> None:
        self.app = app
        self.headers = security_headers(hsts_max_age_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
