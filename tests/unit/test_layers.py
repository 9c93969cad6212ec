"""The dependency rule, read from the imports of every module under ``src/my_api``.

Layers, lowest first: kernel < domain < application < adapters < settings and
logging < bootstrap (the composition root) < the entry points (app, cli,
__main__). A module imports only from its own layer or below. Besides:

- the adapters ``http``, ``sql`` and ``memory`` do not import one another;
- the core (kernel, domain, application) imports no driver or framework;
- the domain is pure: not even ``returns.io`` or ``returns.future``.

Every import statement counts, wherever it stands: under ``if TYPE_CHECKING:``
or inside a function too, since a type-only import still ties the layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import my_api

PACKAGE = "my_api"
ROOT = Path(my_api.__file__).parent

RANKS: dict[str, int] = {
    # The package root runs before any of its modules, so it sits with the lowest.
    "": 0,
    "kernel": 0,
    "domain": 1,
    "application": 2,
    "adapters": 3,
    "settings": 4,
    "logging": 4,
    "bootstrap": 5,
    "app": 6,
    "cli": 6,
    "__main__": 6,
}
ADAPTERS = frozenset({"http", "sql", "memory"})
DRIVERS_AND_FRAMEWORKS = (
    "databases",
    "starlette",
    "uvicorn",
    "asyncpg",
    "aiosqlite",
    "sqlite3",
    "lagom",
    "httpx",
    "redis",
)
CORE = frozenset({"kernel", "domain", "application"})
IO_CONTAINERS = ("returns.io", "returns.future")


@attrs.frozen
class Violation:
    module: str
    imported: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported} (line {self.line}): {self.rule}"


def module_names(root: Path = ROOT) -> frozenset[str]:
    """Every module and package of the source tree, as dotted names."""
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join((PACKAGE, *parts)))
    return frozenset(names)


MODULES = module_names()


def _layer(module: str) -> str:
    """``my_api.adapters.http.app`` -> ``adapters``; the root package -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _adapter(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "adapters" and parts[2] in ADAPTERS else None


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _imports(module: str, source: str, *, is_package: bool) -> Iterator[tuple[str, int]]:
    """(imported name, line) for every import statement, relative ones resolved.

    ``from a.b import c`` names ``a.b.c`` when that is one of our modules, else ``a.b``
    (``c`` is then an attribute); outside the package it names ``a.b.c``, so that
    ``from returns import io`` is seen as ``returns.io``.
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                ours = _within(base, PACKAGE)
                yield (candidate if candidate in MODULES or not ours else base), node.lineno


def violations(module: str, source: str, *, is_package: bool = False) -> list[Violation]:
    """What in ``source`` (the text of ``module``) breaks the dependency rule."""
    layer = _layer(module)
    if layer not in RANKS:
        return [Violation(module, "-", 0, f"{layer!r} is in no layer: give it a rank in RANKS")]
    found = []
    # One report per imported module and line, however many names it brings.
    for imported, line in dict.fromkeys(_imports(module, source, is_package=is_package)):
        broken = _rule_broken(module, layer, imported)
        if broken is not None:
            found.append(Violation(module, imported, line, broken))
    return found


def _rule_broken(module: str, layer: str, imported: str) -> str | None:
    if _within(imported, PACKAGE):
        return _inner_rule_broken(module, layer, imported)
    return _outer_rule_broken(layer, imported)


def _inner_rule_broken(module: str, layer: str, imported: str) -> str | None:
    """An import of one of our own modules."""
    target = _layer(imported)
    if target not in RANKS:
        return f"{target!r} is in no layer"
    if RANKS[target] > RANKS[layer]:
        return (
            f"{layer or 'the package root'} (rank {RANKS[layer]}) may not import "
            f"{target} (rank {RANKS[target]}): nothing imports upward"
        )
    mine, theirs = _adapter(module), _adapter(imported)
    if mine is not None and theirs is not None and mine != theirs:
        return "the adapters http, sql and memory do not import one another"
    return None


def _outer_rule_broken(layer: str, imported: str) -> str | None:
    """An import of a library."""
    if layer in CORE:
        for library in DRIVERS_AND_FRAMEWORKS:
            if _within(imported, library):
                return f"{layer} is core: it imports no driver or framework ({library})"
    if layer == "domain":
        for container in IO_CONTAINERS:
            if _within(imported, container):
                return f"domain is pure: no returns.io, no returns.future ({container})"
    return None


def _path_of(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    package = ROOT / relative / "__init__.py"
    return package if package.exists() else (ROOT / relative).with_suffix(".py")


# -- the source tree ----------------------------------------------------------------


def test_every_module_of_the_source_tree_is_checked() -> None:
    assert {"my_api.kernel.errors", "my_api.bootstrap", "my_api.adapters.sql.executor"} <= MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_the_module_imports_only_from_its_layer_or_below(module: str) -> None:
    path = _path_of(module)
    found = violations(module, path.read_text(), is_package=path.name == "__init__.py")
    assert not found, "\n".join(str(violation) for violation in found)


# -- the checker, on synthetic modules ----------------------------------------------


def rules(module: str, source: str, *, is_package: bool = False) -> list[tuple[str, str]]:
    return [
        (violation.imported, violation.rule)
        for violation in violations(module, source, is_package=is_package)
    ]


def test_an_upward_import_is_named_with_the_module_the_import_and_the_rule() -> None:
    (violation,) = violations("my_api.domain.order", "\n\nfrom my_api.bootstrap import build\n")
    assert str(violation) == (
        "my_api.domain.order imports my_api.bootstrap (line 3): "
        "domain (rank 1) may not import bootstrap (rank 5): nothing imports upward"
    )


def test_imports_from_the_same_layer_or_below_are_allowed() -> None:
    source = (
        "import attrs\n"
        "from my_api.kernel.errors import AppError\n"
        "from my_api.domain import item\n"
        "from my_api.application.items import ITEMS\n"
        "from my_api.adapters.sql import errors\n"
    )
    assert violations("my_api.adapters.sql.repository", source) == []
    assert violations("my_api.settings", "import my_api.logging\n") == []


def test_an_import_under_type_checking_counts() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from my_api.adapters.http.app import create_app\n"
    )
    assert rules("my_api.application.crud", source) == [
        (
            "my_api.adapters.http.app",
            "application (rank 2) may not import adapters (rank 3): nothing imports upward",
        )
    ]


def test_an_import_inside_a_function_counts() -> None:
    source = "def build():\n    import my_api.cli\n"
    assert [imported for imported, _ in rules("my_api.bootstrap", source)] == ["my_api.cli"]


def test_relative_imports_are_resolved_before_they_are_judged() -> None:
    upward = rules("my_api.kernel.paging", "from .. import bootstrap\n")
    assert [imported for imported, _ in upward] == ["my_api.bootstrap"]
    assert rules("my_api.adapters.http", "from . import app\n", is_package=True) == []


def test_one_adapter_importing_another_is_caught() -> None:
    assert rules("my_api.adapters.http.app", "from my_api.adapters.sql.database import x\n") == [
        (
            "my_api.adapters.sql.database",
            "the adapters http, sql and memory do not import one another",
        )
    ]


@pytest.mark.parametrize(
    "statement",
    ["import databases", "from starlette.requests import Request", "import asyncpg.exceptions"],
)
def test_the_core_importing_a_driver_or_framework_is_caught(statement: str) -> None:
    for module in ("my_api.kernel.ports", "my_api.domain.item", "my_api.application.crud"):
        assert len(violations(module, statement + "\n")) == 1, module
    assert violations("my_api.adapters.sql.database", statement + "\n") == []


@pytest.mark.parametrize(
    "statement", ["from returns.future import FutureResult", "from returns import io"]
)
def test_the_domain_importing_io_containers_is_caught(statement: str) -> None:
    assert len(violations("my_api.domain.item", statement + "\n")) == 1
    assert violations("my_api.kernel.repository", statement + "\n") == []


def test_a_module_outside_every_layer_is_reported() -> None:
    (violation,) = violations("my_api.helpers", "import os\n")
    assert "is in no layer" in violation.rule
