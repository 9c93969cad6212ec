"""docs/architecture.md's override example, run as written: a test rebinds a port on a
clone of the composition root's container, and the app it builds uses the new adapter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lagom import Container

from my_api.adapters.memory.unit_of_work import InMemoryUnitOfWork
from my_api.bootstrap import build_container, create_app, provides
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import Settings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _bound(unit_of_work: UnitOfWork) -> UnitOfWork:
    return unit_of_work


def test_the_override_example_binds_the_in_memory_unit_of_work(tmp_path: Path) -> None:
    (example,) = FENCE.findall(GUIDE.read_text("utf-8"))
    namespace: dict[str, Any] = {
        "build_container": build_container,
        "create_app": create_app,
        "provides": provides,
        "Container": Container,
        "UnitOfWork": UnitOfWork,
        "InMemoryUnitOfWork": InMemoryUnitOfWork,
        "settings": Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"),
    }

    exec(example, namespace)  # noqa: S102 - the guide's example

    container: Container = namespace["container"]
    assert isinstance(container.magic_partial(_bound)(), InMemoryUnitOfWork)
    assert namespace["app"].routes
