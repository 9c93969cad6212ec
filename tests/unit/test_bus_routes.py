"""A message nobody answers is refused when the buses are put together, never sent."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.application.catalog import Resources
from my_api.application.items import ITEMS
from my_api.application.use_cases import CrudUseCases
from my_api.bootstrap import StartupError, build_container, create_app
from my_api.kernel.bus import CommandBus, Handlers, QueryBus
from my_api.kernel.clock import new_id, utc_now
from my_api.settings import Settings


def test_use_cases_on_buses_without_their_handlers_are_refused_naming_each() -> None:
    uow = InMemoryUnitOfWork()
    bare = Handlers()

    with pytest.raises(ValueError, match=r"^no handler for ") as refused:
        CrudUseCases(
            ITEMS, CommandBus(bare.commands, uow, utc_now, new_id), QueryBus(bare.queries, uow)
        )

    named = str(refused.value).removeprefix("no handler for ").split(", ")
    assert sorted(named) == sorted(
        f"{message} of items"
        for message in (
            "CreateEntity",
            "ReplaceEntity",
            "PatchEntity",
            "DeleteEntity",
            "GetEntity",
            "ListEntities",
        )
    )


def test_a_resource_named_like_the_feed_is_refused_at_start_up(tmp_path: Path) -> None:
    feed_shadow = attrs.evolve(ITEMS, name="events")
    container = build_container(
        Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"),
        resources=Resources((feed_shadow,)),
    )

    with pytest.raises(StartupError, match="may not be named 'events'"):
        create_app(container)


def test_a_service_whose_buses_lack_a_handler_does_not_start(tmp_path: Path) -> None:
    container = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    unanswered = container.clone()
    unanswered[Handlers] = Handlers()

    with pytest.raises(StartupError, match=r"^no handler for .*CreateEntity of items"):
        create_app(unanswered)
