"""Subscribing handlers: by event type, under a stable name."""

from __future__ import annotations

import pytest

from my_api.application.event_handlers import EVERY_TYPE, EventHandlers
from my_api.kernel.events import Published


def mailer(_: Published) -> None:
    return None


def indexer(_: Published) -> None:
    return None


def test_a_handler_is_named_after_its_module_and_function_by_default() -> None:
    handlers = EventHandlers()
    handlers.subscribe("item.created", mailer)
    (subscription,) = handlers.subscriptions
    assert subscription.name == f"{__name__}.mailer"
    assert handlers.named(f"{__name__}.mailer") is subscription


def test_one_handler_under_one_name_subscribed_to_several_types_is_one_subscription() -> None:
    handlers = EventHandlers()
    handlers.subscribe("item.created", mailer, name="mail")
    handlers.subscribe("order.placed", mailer, name="mail")
    (subscription,) = handlers.subscriptions
    assert subscription.types == {"item.created", "order.placed"}
    assert subscription.wants("order.placed")
    assert not subscription.wants("item.deleted")


def test_every_type_is_wanted_by_a_subscription_to_star() -> None:
    handlers = EventHandlers()
    handlers.subscribe(EVERY_TYPE, mailer)
    assert handlers.subscriptions[0].wants("anything.at_all")


def test_another_handler_under_a_taken_name_is_refused() -> None:
    handlers = EventHandlers()
    handlers.subscribe("item.created", mailer, name="mail")
    with pytest.raises(ValueError, match="already subscribed as 'mail'"):
        handlers.subscribe("item.created", indexer, name="mail")


@pytest.mark.parametrize("event_type", ["", "item", "Item.created", "my_api.item.created.v1"])
def test_a_malformed_event_type_is_refused(event_type: str) -> None:
    with pytest.raises(ValueError, match="is not an event type"):
        EventHandlers().subscribe(event_type, mailer)


@pytest.mark.parametrize("name", ["", "x" * 201, "tab\there"])
def test_a_name_must_be_printable_and_short(name: str) -> None:
    with pytest.raises(ValueError, match="handler name"):
        EventHandlers().subscribe("item.created", mailer, name=name)
