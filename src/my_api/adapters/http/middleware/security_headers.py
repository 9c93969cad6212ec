"""Headers that make a JSON API safe to put in front of browsers."""

from __future__ import annotations

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
        # Encoded once; appended as raw pairs (no response here sets them itself).
        self.raw = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security_headers(hsts_max_age_seconds).items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.raw]
            await send(message)

        await self.app(scope, receive, send_with_headers)
