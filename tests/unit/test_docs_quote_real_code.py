"""Code a guide says it quotes from a test is that test's code, character for character.

A quoted block is a ```python fence right after a marker line naming the file
it comes from, so the guide cannot drift from code that runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUOTE = re.compile(r"<!-- quoted verbatim from (\S+) .*?-->\n```python\n(.*?)```", re.DOTALL)
GUIDES = ["docs/composing-pipelines.md"]


def quotes(guide: str) -> list[tuple[str, str]]:
    found = QUOTE.findall((ROOT / guide).read_text(encoding="utf-8"))
    return [(source, code) for source, code in found]


@pytest.mark.parametrize("guide", GUIDES)
def test_every_quoted_block_is_verbatim_in_the_file_it_names(guide: str) -> None:
    blocks = quotes(guide)

    assert blocks, f"{guide} quotes no code"
    for source, code in blocks:
        assert code in (ROOT / source).read_text(encoding="utf-8"), (source, code[:80])


# The guides whose code a test runs as written (the rest may only quote tests, above).
RUN_BY = {
    "docs/adding-an-entity.md": "tests/e2e/test_adding_an_entity_guide.py",
    "docs/composing-pipelines.md": "tests/unit/test_composing_pipelines_guide.py",
    "docs/architecture.md": "tests/unit/test_architecture_guide.py",
}


def test_every_guide_with_python_code_is_run_or_quotes_a_test() -> None:
    with_code = {
        f"docs/{path.name}"
        for path in (ROOT / "docs").glob("*.md")
        if "```python" in path.read_text(encoding="utf-8")
    }

    unchecked = with_code - set(RUN_BY) - set(GUIDES)
    assert not unchecked, f"python blocks no test runs or checks: {sorted(unchecked)}"
    assert all((ROOT / runner).is_file() for runner in RUN_BY.values())
