"""The authentication and scope check in front of every resource endpoint.

``GenericCRUDRouter`` asks the guard before an endpoint runs (so no body is
read for a refused request); health routes are not guarded. A missing
credential is a 401 without an error code (RFC 6750 §3.1); a refused one is
a 401 ``invalid_token``; a missing scope is a 403 naming it. With public
reads, a GET or HEAD without a credential passes, but a credential that is
sent is still checked.
"""

from __future__ import annotations

import logging

import attrs
from returns.result import Failure, Result, Success
from starlette.requests import Request

from my_api.kernel.auth import Action, Authenticate, Principal, authorize
from my_api.kernel.errors import AppError, Unauthenticated
from my_api.kernel.io_edge import performed

log = logging.getLogger(__name__)

NO_CREDENTIAL = Unauthenticated()


def bearer_token(authorization: str | None) -> str | None:
    """
    >>> bearer_token("Bearer abc"), bearer_token("bearer  abc "), bearer_token("Basic abc")
    ('abc', 'abc', None)
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


@attrs.frozen
class Guard:
    """``authenticate`` is None when authentication is off: nothing is checked."""

    authenticate: Authenticate | None = None
    public_reads: bool = False

    @property
    def is_open(self) -> bool:
        return self.authenticate is None

    async def admit(
        self, request: Request, scope: str, action: Action
    ) -> Result[Principal | None, AppError]:
        if self.authenticate is None:
            return Success(None)
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            if self.public_reads and action is Action.READ:
                return Success(None)
            return Failure(NO_CREDENTIAL)
        outcome = performed(await self.authenticate(token)).bind(
            lambda principal: authorize(principal, scope)
        )
        if isinstance(outcome, Failure):
            log.info("request refused: %s", type(outcome.failure()).__name__)
        return outcome


OPEN = Guard()
