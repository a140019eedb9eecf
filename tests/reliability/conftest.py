"""Reliability tests: every test in this folder carries the ``reliability`` mark (``pytest -m reliability``) and still
runs in the default suite.

Tests that measure something (faults injected, records checked, lost, duplicated) hand their figures to the
``reliability_figures`` fixture; they are printed at the end of the run, so docs/reliability.md can quote the last
run and CI logs keep a copy.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
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


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, [])
    if not figures:
        return
    terminalreporter.section("reliability figures")
    for title, values in figures:
        terminalreporter.write_line(f"{title}:")
        for name, value in values.items():
            terminalreporter.write_line(f"    {name}: {value}")
