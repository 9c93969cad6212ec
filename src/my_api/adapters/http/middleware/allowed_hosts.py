"""Answer only for the host names this service is configured to be.

A request whose ``Host`` is not allowed gets a 400 problem (Starlette's
``TrustedHostMiddleware`` answers in plain text). This is what stops DNS
rebinding: a page on ``evil.example`` resolving to this server still sends
``Host: evil.example``.
"""

from __future__ import annotations

import ipaddress

from returns.result import Failure, Result, Success
from starlette.types import ASGIApp, Receive, Scope, Send

from my_api.adapters.http.problems import problem

ANY = ("*",)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(setting: str, bind_host: str) -> Result[tuple[str, ...], str]:
    """The host names to answer for, from ``MY_API_ALLOWED_HOSTS`` and the bind address.

    >>> allowed_hosts("api.example.com, *.example.org", "0.0.0.0").unwrap()
    ('api.example.com', '*.example.org')
    >>> allowed_hosts("", "127.0.0.1").unwrap()
    ('*',)
    >>> allowed_hosts("", "0.0.0.0").failure()[:40]
    'MY_API_ALLOWED_HOSTS: must be set when t'
    """
    names = tuple(name.strip().lower() for name in setting.split(",") if name.strip())
    if names:
        return Success(names)
    if _is_loopback(bind_host):
        return Success(ANY)
    return Failure(
        "MY_API_ALLOWED_HOSTS: must be set when the service binds a public interface "
        f"({bind_host}): the host names clients use, or '*' to answer for any"
    )


def host_name(header: bytes) -> str:
    """The name in a ``Host`` header, without its port.

    >>> host_name(b"Example.com:8000"), host_name(b"[::1]:8000"), host_name(b"::1")
    ('example.com', '[::1]', '::1')
    """
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text.split("]", 1)[0] + "]"
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def is_allowed(name: str, allowed: tuple[str, ...]) -> bool:
    """
    >>> wildcard = ("*.example.org",)
    >>> is_allowed("a.example.org", wildcard), is_allowed("example.org", wildcard)
    (True, False)
    """
    return any(
        pattern in ("*", name) or (pattern.startswith("*.") and name.endswith(pattern[1:]))
        for pattern in allowed
    )


class AllowedHostsMiddleware:
    def __init__(self, app: ASGIApp, *, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = hosts
        self.any = "*" in hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"host"), b"")
        if is_allowed(host_name(header), self.hosts):
            await self.app(scope, receive, send)
            return
        response = problem(
            400,
            instance=scope["path"],
            detail="The Host header names a host this service does not answer for.",
        )
        await response(scope, receive, send)
