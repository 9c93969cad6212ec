"""The ASGI entry points for uvicorn's ``--factory``: settings from the environment."""

from __future__ import annotations

import gc
import os

from returns.result import Failure
from starlette.applications import Starlette

from my_api.bootstrap import StartupError, build_container, create_app
from my_api.logging import configure_logging
from my_api.settings import load_settings


def app_from_environment() -> Starlette:
    """The service as configured by ``MY_API_*``, logging configured."""
    return _app(freeze_after_start=False)


def served_app_from_environment() -> Starlette:
    """What ``my-api serve`` runs: the same app, and once it has started its
    long-lived objects are moved out of the collector's generations
    (``gc.freeze``), which shortens collection pauses (tail latency). Only a
    serving process wants that; tests and embedders build without it.
    """
    return _app(freeze_after_start=True)


def _app(*, freeze_after_start: bool) -> Starlette:
    loaded = load_settings(os.environ)
    if isinstance(loaded, Failure):
        raise StartupError("; ".join(loaded.failure()))
    settings = loaded.unwrap()
    configure_logging(settings.log_level.value)
    container = build_container(settings)
    return create_app(container, on_started=gc.freeze if freeze_after_start else _nothing)


def _nothing() -> None:
    return None
