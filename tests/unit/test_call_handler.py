"""What counts as a handler's failure: raising, or answering a failure in any container."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from returns.future import FutureResult
from returns.result import Failure, Success

from my_api.application.relay import HandlerFailed, call_handler
from my_api.kernel.events import DomainEvent, Published

EVENT = Published(
    1,
    DomainEvent(
        id=UUID(int=1),
        type="item.updated",
        collection="items",
        aggregate_id=UUID(int=2),
        aggregate_version=2,
        time=datetime(2026, 1, 1, tzinfo=UTC),
        data={},
    ),
)


async def test_an_async_handler_answering_a_failing_future_result_has_failed() -> None:
    ran: list[Published] = []

    async def handler(published: Published) -> FutureResult[None, str]:
        ran.append(published)
        return FutureResult.from_failure("mail server down")

    with pytest.raises(HandlerFailed, match="mail server down"):
        await call_handler(handler, EVENT)
    assert ran == [EVENT]


@pytest.mark.parametrize(
    "answer", [None, Success(1), FutureResult.from_value(1)], ids=["none", "success", "future"]
)
async def test_a_handler_answering_anything_but_a_failure_has_succeeded(answer: object) -> None:
    await call_handler(lambda _: answer, EVENT)


async def test_a_sync_handler_answering_a_failure_has_failed() -> None:
    with pytest.raises(HandlerFailed):
        await call_handler(lambda _: Failure("no"), EVENT)
