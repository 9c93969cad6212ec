"""What docs/composing-pipelines.md says mypy reports is what mypy reports.

Each ```python block of the guide right after a ``<!-- mypy rejects this ...-->``
line is a wrong composition. It is checked as a module of its own, PRELUDE (the
names it uses from ``orders.py`` and its imports) then the block, by mypy with the
project's configuration (``--strict``, the returns plugin); what mypy prints must be
the ```text block that follows, with the module's path written ``snippet.py`` and its
lines counted from the block's first. The guide's runnable code must pass as it is.

The wrong code lives only in the guide, never in a ``.py`` file, so the project's
own mypy run over ``tests`` never sees it. One mypy run, on a cache of its own,
checks every module at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

from tests.unit.test_composing_pipelines_guide import GUIDE, runnable_blocks

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """\
from returns.future import FutureResult
from returns.pipeline import flow
from returns.pointfree import bind, bind_result

from my_api.application.items import ITEMS
from my_api.application.orders import (
    ORDER_TABLE,
    OrderInput,
    added_order,
    claimed_items,
    reservations,
    reserved_lines,
)
from my_api.application.writes import evolved
from my_api.domain.order import CANCELLED, Order
from my_api.kernel.bus import Writing
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted, emitting
from my_api.kernel.member_command import MemberCommand, NoInput
"""

REJECTED = re.compile(
    r"<!-- mypy rejects this .*?-->\n```python\n(?P<code>.*?)```\n"
    r"(?:(?!```).)*?```text\n(?P<said>.*?)```",
    re.DOTALL,
)
# How many members of a union mypy leaves unnamed follows the number of AppError
# variants, which grows; the guide prints the count of the day.
MORE_ITEMS = re.compile(r"<\d+ more items>")

TYPED_PARTIAL = "from returns.curry import partial\n"
PLAIN_PARTIAL = "from functools import partial\n"


def rejected_blocks() -> list[tuple[str, list[str]]]:
    """Each wrong snippet of the guide, with the lines it says mypy prints."""
    found = REJECTED.finditer(GUIDE.read_text("utf-8"))
    return [(match["code"], match["said"].splitlines()) for match in found]


def _normalised(line: str) -> str:
    return MORE_ITEMS.sub("<N more items>", line)


@pytest.fixture(scope="module")
def mypy_says(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """What mypy prints for each module (by name), paths and lines as the guide writes them."""
    directory = tmp_path_factory.mktemp("pipeline_type_errors")
    modules = {f"rejected_{n}": PRELUDE + code for n, (code, _) in enumerate(rejected_blocks())}
    with_typed_partial = [code for code, _ in rejected_blocks() if TYPED_PARTIAL in code]
    modules |= {
        f"plain_partial_{n}": PRELUDE + code.replace(TYPED_PARTIAL, PLAIN_PARTIAL)
        for n, code in enumerate(with_typed_partial)
    }
    modules["runnable"] = "".join(runnable_blocks())
    files = {name: directory / f"{name}.py" for name in modules}
    for name, code in modules.items():
        files[name].write_text(code, encoding="utf-8")
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(directory)]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the configuration's mypy_path ("src") is relative to it
        stdout, stderr, _ = api.run([*config, "--no-error-summary", *map(str, files.values())])
    assert not stderr, stderr
    said: dict[str, list[str]] = {name: [] for name in modules}
    for line in stdout.splitlines():
        path, number, rest = line.split(":", 2)
        name = Path(path).stem
        assert Path(path) == files[name], line
        offset = 0 if name == "runnable" else PRELUDE.count("\n")
        said[name].append(_normalised(f"snippet.py:{int(number) - offset}:{rest}"))
    return said


def test_the_guide_shows_mistakes_mypy_catches_and_one_it_does_not() -> None:
    assert len(rejected_blocks()) >= 2
    assert any(TYPED_PARTIAL in code for code, _ in rejected_blocks())


@pytest.mark.parametrize("number", range(len(rejected_blocks())))
def test_mypy_reports_each_wrong_snippet_as_the_guide_prints(
    mypy_says: dict[str, list[str]], number: int
) -> None:
    _, printed = rejected_blocks()[number]

    assert printed
    assert mypy_says[f"rejected_{number}"] == [_normalised(line) for line in printed]


def test_with_functools_partial_mypy_misses_the_mistake_returns_partial_shows(
    mypy_says: dict[str, list[str]],
) -> None:
    plain = [name for name in mypy_says if name.startswith("plain_partial_")]

    assert plain
    assert all(mypy_says[name] == [] for name in plain)


def test_the_guides_own_code_passes_mypy(mypy_says: dict[str, list[str]]) -> None:
    assert mypy_says["runnable"] == []
