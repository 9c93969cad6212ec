"""docs/composing-pipelines.md's runnable code, run as written.

The guide quotes the real pipelines (test_docs_quote_real_code.py checks those
blocks) and shows compositions mypy refuses (test_pipeline_type_errors.py checks
those). Its other ```python blocks are its own code: they are executed in one
namespace and every test they define is run, so the guide cannot drift from the
code it teaches.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "composing-pipelines.md"
# The line before a block that is not the guide's own runnable code.
NOT_RUN = ("<!-- quoted verbatim from", "<!-- mypy rejects this")
FENCE = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", re.DOTALL)


def runnable_blocks() -> list[str]:
    found = FENCE.finditer(GUIDE.read_text("utf-8"))
    return [match["code"] for match in found if not match["before"].startswith(NOT_RUN)]


def _guide_namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "composing_pipelines_guide"}
    for number, code in enumerate(runnable_blocks()):
        exec(compile(code, f"{GUIDE}#block{number}", "exec"), namespace)  # noqa: S102
    return namespace


def _guide_tests() -> list[Any]:
    namespace = _guide_namespace()
    return [
        pytest.param(value, id=name)
        for name, value in namespace.items()
        if name.startswith("test_") and inspect.iscoroutinefunction(value)
    ]


def test_the_guide_defines_tests_of_its_own() -> None:
    assert len(runnable_blocks()) >= 2
    assert len(_guide_tests()) >= 2


@pytest.mark.parametrize("test", _guide_tests())
async def test_each_test_of_the_guide_passes(test: Callable[[], Awaitable[None]]) -> None:
    await test()
