"""docs/composing-pipelines.md's restock example, run as written.

The guide's pipeline and its tests are two ```python blocks with no quote marker
(the quoted blocks are checked by test_docs_quote_real_code.py). Both are executed in
one namespace, and every test the guide defines is run; if the guide drifts from the
code, this fails.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "composing-pipelines.md"
MARKER = "<!-- quoted verbatim from"
FENCE = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", re.DOTALL)


def _unquoted_blocks() -> list[str]:
    found = FENCE.finditer(GUIDE.read_text("utf-8"))
    return [match["code"] for match in found if not match["before"].startswith(MARKER)]


def _guide_namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "composing_pipelines_guide"}
    for number, code in enumerate(_unquoted_blocks()):
        exec(compile(code, f"{GUIDE}#block{number}", "exec"), namespace)  # noqa: S102
    return namespace


def _guide_tests() -> list[Any]:
    namespace = _guide_namespace()
    return [
        pytest.param(value, id=name)
        for name, value in namespace.items()
        if name.startswith("test_") and inspect.iscoroutinefunction(value)
    ]


def test_the_guide_defines_its_pipeline_and_tests_for_it() -> None:
    assert len(_unquoted_blocks()) >= 2
    assert len(_guide_tests()) >= 2


@pytest.mark.parametrize("test", _guide_tests())
async def test_each_test_of_the_guide_passes(test: Callable[[], Awaitable[None]]) -> None:
    await test()
