"""The layers import only in the directions docs/architecture.md draws, so no layer can grow a back door.

Every module of ours is parsed (not imported) and each ``import`` of ours, at any depth (inside functions too) and
relative ones resolved, is checked against what its layer may use. A layer may always import itself. Every module
belongs to a layer, the layers form no cycle, and the table in docs/architecture.md says what ``ALLOWED`` says.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Layer (a module prefix) -> the layers of ours it may import. The most specific prefix wins.
ALLOWED: dict[str, set[str]] = {
    "app.domain": set(),
    "credentials": set(),
    "protocol": {"app.domain"},
    "app.store": {"app.domain", "protocol"},
    "sync": {"app.domain", "app.store", "protocol"},
    "app.usecases": {"app.domain", "app.store", "credentials", "protocol", "sync"},
    # The screens reach the store and sync only through the use cases' Device facade (app/usecases/device.py).
    "app.ui": {"app.domain", "app.i18n", "app.usecases", "protocol"},
    "app.i18n": {"app.domain"},  # the screens' catalogs and dates in the worker's language (Babel)
    "seed_data": {"app.domain"},  # the shipped lists and the demo agency: loaded by the server, read by the launcher
    "app.bootstrap": {"app.store", "app.usecases", "sync"},  # where the device's parts are built, once
    # The command: bootstrap, then one shell per window.
    "app.main": {"app.bootstrap", "app.i18n", "app.ui", "app.usecases"},
    "app.demo_launcher": {"seed_data"},  # starts the server and the app as commands, never imports them
    # The server shares only the pure rules with the app: it installs without Flet, the device store or the sync client.
    "server": {"app.domain", "credentials", "protocol", "seed_data"},
}


def modules() -> Iterator[tuple[str, Path]]:
    for package in ("app", "credentials", "protocol", "seed_data", "sync", "server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path


def layer_of(module: str) -> str | None:
    matches = [layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")]
    return max(matches, key=len, default=None)


def imports_of_ours(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom):  # relative: from its package, up ``level - 1`` packages
            base = ".".join(package.split(".")[: len(package.split(".")) - (node.level - 1)])
            names = [f"{base}.{node.module}"] if node.module else [f"{base}.{alias.name}" for alias in node.names]
        found |= {
            name
            for name in names
            if layer_of(name) is not None or name in ("app", "credentials", "protocol", "seed_data", "sync", "server")
        }
    return found


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=lambda value: str(value))
def test_each_module_imports_only_the_layers_below_it(module: str, path: Path) -> None:
    layer = layer_of(module)
    if module == "app":
        return  # the empty package marker: the server imports app.domain without loading Flet
    assert layer is not None, f"{module} belongs to no layer: add it to ALLOWED and to docs/architecture.md's table"
    wrong = {name for name in imports_of_ours(module, path) if layer_of(name) not in ALLOWED[layer] | {layer}}
    assert not wrong, f"{module} ({layer}) may not import {sorted(wrong)}"


def test_no_layer_reaches_itself_through_others() -> None:
    """Not app/store through sync (the cycle there once was), nor any other: each layer sits below its importers."""
    for start in ALLOWED:
        reached, waiting = set(), list(ALLOWED[start])
        while waiting:
            layer = waiting.pop()
            if layer not in reached:
                reached.add(layer)
                waiting += ALLOWED[layer]
        assert start not in reached, f"{start} imports a layer that imports it back"
    assert "sync" not in ALLOWED["app.store"]
    assert not {"app.store", "sync"} & ALLOWED["app.ui"]


def test_the_architecture_document_states_the_same_directions() -> None:
    """docs/architecture.md's table of layers is the rule this test enforces, so a reader never trusts a stale one."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = text.split("| layer | may import (besides itself) |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    documented = {}
    for row in rows:
        layer, imports = (re.findall(r"`([^`]+)`", cell) for cell in row.strip("|").split("|")[:2])
        documented[layer[0].replace("/", ".").removesuffix(".py")] = {
            name.replace("/", ".").removesuffix(".py") for name in imports
        }
    assert documented == ALLOWED
