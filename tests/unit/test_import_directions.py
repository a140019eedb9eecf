"""The layers import only in the directions docs/architecture.md draws, so no layer can grow a back door.

Every module of ours is parsed (not imported) and each ``import`` of ours, at any depth, is checked against what
its layer may use. A layer may always import itself.
"""

import ast
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
    "app.ui": {"app.domain", "app.usecases", "protocol"},
    "seed_data": {"app.domain"},  # the shipped lists and the demo agency: loaded by the server, read by the launcher
    "app.bootstrap": {"app.store", "app.usecases", "sync"},  # where the device's parts are built, once
    "app.main": {"app.bootstrap", "app.ui", "app.usecases"},  # the command: bootstrap, then one shell per window
    "app.demo_launcher": {"app.main", "seed_data", "server"},
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


def imports_of_ours(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {
            name
            for name in names
            if layer_of(name) is not None or name in ("app", "credentials", "protocol", "seed_data", "sync", "server")
        }
    return found


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=lambda value: str(value))
def test_each_module_imports_only_the_layers_below_it(module: str, path: Path) -> None:
    layer = layer_of(module)
    if layer is None:
        return  # the empty package markers (app/__init__.py)
    wrong = {name for name in imports_of_ours(path) if layer_of(name) not in ALLOWED[layer] | {layer}}
    assert not wrong, f"{module} ({layer}) may not import {sorted(wrong)}"
