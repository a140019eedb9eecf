"""Outpost built as a wheel and installed into a fresh virtual environment works without the checkout: the server
creates its database with the shipped reference lists, the app's command starts, and every file they read at run
time came with the wheel. And installing the app alone brings none of the server's dependencies.

Nothing is downloaded, so the test costs seconds: the wheel is built by the project environment's setuptools
(``--no-build-isolation``), installed without its dependencies, and the fresh environment borrows those from the
project environment through a ``.pth`` file, which puts that folder on ``sys.path`` and nothing else (the
checkout's own editable install is not activated there).
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from seed_data.reference import load_demo_reference, load_languages, load_location_types

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
pytestmark = pytest.mark.slow  # about 10 s of CPU: a wheel built, a virtual environment made, three programs started
PACKAGES = [pattern.rstrip("*") for pattern in PROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]


@dataclass(frozen=True)
class Installed:
    bin: Path
    site_packages: Path

    def run(self, *command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
        return subprocess.run(
            [str(self.bin / command[0]), *command[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )


def build_wheel(source: Path, out: Path) -> Path:
    """The wheel of a copy of the checkout's packages, as ``pip wheel .`` builds it."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, source],
                   check=True, capture_output=True)  # fmt: skip
    (wheel,) = out.glob("outpost-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("wheel")
    (folder / "source").mkdir()
    wheel = build_wheel(folder / "source", folder / "dist")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    fresh = Installed(bin=venv / "bin", site_packages=Path(sysconfig.get_path("purelib", vars={"base": venv})))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "--python", fresh.bin / "python"]
    subprocess.run([*pip, "install", "--no-deps", "--no-index", wheel], check=True, capture_output=True)
    project_site = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (fresh.site_packages / "outpost_test_dependencies.pth").write_text("\n".join(sorted(project_site)) + "\n")
    return fresh


def test_the_installed_server_creates_its_database_with_the_shipped_lists(installed: Installed, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    done = installed.run("outpost-server", "init-db", "--database-url", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    languages, location_types = len(load_languages()), len(load_location_types())
    assert f"({languages} languages, {location_types} types of service location)" in done.stdout
    assert (tmp_path / "server.db").stat().st_size > 0


def test_the_installed_app_command_starts(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("outpost", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: outpost") and "--web" in done.stdout


def test_what_the_app_and_server_read_at_run_time_comes_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    """The packages, the demo agency's files and the app's fonts are found inside the fresh environment, not in
    the checkout (which is not on its path)."""
    script = (
        "import app, server, seed_data\n"
        "from app.ui.fonts import ASSETS_DIR, FALLBACK_FONTS\n"
        "from seed_data.reference import load_demo_reference\n"
        "print(app.__file__, server.__file__, seed_data.__file__, ASSETS_DIR, sep='\\n')\n"
        "print(all((ASSETS_DIR / font).is_file() for font in FALLBACK_FONTS.values()))\n"
        "demo = load_demo_reference()\n"
        "print(demo.agency.id, len(demo.sites), len(demo.workers))\n"
    )
    done = installed.run("python", "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    *places, fonts_found, demo = done.stdout.splitlines()
    assert all(Path(place).is_relative_to(installed.site_packages) for place in places), places
    assert fonts_found == "True"
    shipped = load_demo_reference()
    assert demo == f"{shipped.agency.id} {len(shipped.sites)} {len(shipped.workers)}"


def dependency_closure(requirements: list[str]) -> set[str]:
    """Every distribution ``pip install`` brings for ``requirements``, read from what the project environment has
    installed (extras followed, markers judged for this machine)."""
    found: set[str] = set()
    waiting = [Requirement(line) for line in requirements]
    while waiting:
        requirement = waiting.pop()
        name = canonical(requirement.name)
        if name in found:
            continue
        found.add(name)
        try:
            requires = distribution(requirement.name).requires or []
        except PackageNotFoundError:
            continue  # an optional dependency this machine's markers leave out
        for line in requires:
            child = Requirement(line)
            extras = requirement.extras or {""}
            if child.marker is None or any(child.marker.evaluate({"extra": extra}) for extra in extras):
                waiting.append(child)
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_installing_the_app_brings_none_of_the_servers_dependencies() -> None:
    app = dependency_closure(PROJECT["project"]["dependencies"])
    server_only = {canonical(Requirement(line).name) for line in PROJECT["project"]["optional-dependencies"]["server"]}
    assert "flet" in app and "sqlcipher3-wheels" in app
    assert not app & (server_only | {"starlette", "flet-web"})
