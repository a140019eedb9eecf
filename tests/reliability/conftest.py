"""Reliability tests: every test in this folder carries the ``reliability`` mark (``pytest -m reliability``) and still
runs in the default suite.

Tests that measure something (faults injected, records checked, lost, duplicated) hand their figures to the
``reliability_figures`` fixture; they are printed at the end of the run, so docs/reliability.md can quote the last
run and CI logs keep a copy.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
MEMORY_FOLDER = Path("/dev/shm")
_FIGURES = pytest.StashKey[list[tuple[str, dict[str, Any]]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: tries hard to lose or duplicate records (docs/reliability.md)")
    config.stash[_FIGURES] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def reliability_figures(request: pytest.FixtureRequest) -> Callable[[str, dict[str, Any]], None]:
    """``record(title, figures)``: keep a test's measured figures for the end-of-run summary."""

    def record(title: str, figures: dict[str, Any]) -> None:
        request.config.stash[_FIGURES].append((title, figures))
        print(f"{title}: {figures}")

    return record


@pytest.fixture
def memory_dir() -> Iterator[Path]:
    """A temporary folder in memory where the machine has one (else on disk), removed afterwards.

    For device databases whose durability is not what the test is about: every saved session is committed with
    ``synchronous=FULL``, and on a busy disk those fsyncs, not the sync logic, would take most of the test's time.
    """
    parent = MEMORY_FOLDER if MEMORY_FOLDER.is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="outpost-reliability-", dir=parent))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, [])
    if not figures:
        return
    terminalreporter.section("reliability figures")
    for title, values in figures:
        terminalreporter.write_line(f"{title}:")
        for name, value in values.items():
            terminalreporter.write_line(f"    {name}: {value}")
