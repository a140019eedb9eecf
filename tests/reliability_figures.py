"""What the reliability tests count (faults injected, examples run, records compared...), gathered into one JSON file
per test run, and the tables of docs/reliability.md generated from that file.

A test hands its figures to the ``reliability_figures`` fixture (tests/reliability/conftest.py). They travel in the
test's report (``user_properties``), so under pytest-xdist they reach the controlling process like every result,
and ``FigureCollector`` writes build/reliability-figures.json at the end of the run, with every reliability test's
outcome and CPU seconds.

    python tests/reliability_figures.py        (make reliability-docs)

copies that file to docs/reliability-figures.json and rewrites every generated block of docs/reliability.md, the
lines between ``<!-- figures: KEY -->`` and ``<!-- end figures -->``, from it. It refuses a run in which a
reliability test failed or a block's figures are missing, so the document always shows one whole, passing run.
A unit test checks that the document's blocks are what the committed JSON generates: nobody copies a figure by hand.
"""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_FILE = Path("build") / "reliability-figures.json"  # under the folder pytest runs in
DOC = ROOT / "docs" / "reliability.md"
DOC_FIGURES = ROOT / "docs" / "reliability-figures.json"
RELIABILITY_TESTS = "tests/reliability/"
HERE = ROOT / RELIABILITY_TESTS
FIGURES_PROPERTY = "reliability_figures"
CPU_PROPERTY = "reliability_cpu_seconds"
_BLOCK = re.compile(r"(<!-- figures: ([\w-]+) -->\n)(.*?)(<!-- end figures -->)", re.DOTALL)
TESTS_BLOCK = "tests"  # the block listing every reliability test file with its outcomes and CPU time


def record(node: pytest.Item, key: str, figures: dict[str, Any]) -> None:
    """Attach ``figures`` (JSON-able) to the test's report under ``key``, the name of its block in the document."""
    node.user_properties.append((FIGURES_PROPERTY, json.dumps({"key": key, "values": figures})))


def record_cpu_seconds(node: pytest.Item, seconds: float) -> None:
    node.user_properties.append((CPU_PROPERTY, round(seconds, 1)))


class FigureCollector:
    """Gathers figures and outcomes from the reports of reliability tests, in the process that writes the results
    (the controller under xdist), and writes them to build/reliability-figures.json at the end."""

    def __init__(self, config: pytest.Config):
        self.path = Path(config.invocation_params.dir) / RUN_FILE
        self.tests: dict[str, dict[str, Any]] = {}
        self.figures: dict[str, dict[str, Any]] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.nodeid.startswith(RELIABILITY_TESTS):
            return
        test = self.tests.setdefault(report.nodeid, {"outcome": "passed", "cpu_seconds": 0.0})
        if report.failed:
            test["outcome"] = "failed"
        elif report.skipped and test["outcome"] == "passed":
            test["outcome"] = "skipped"
        for name, value in report.user_properties:
            if name == CPU_PROPERTY:
                test["cpu_seconds"] = value
            elif name == FIGURES_PROPERTY:
                figures = json.loads(value)
                self.figures[figures["key"]] = {"test": report.nodeid, "values": figures["values"]}

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        if not self.tests:
            return
        run = {"commit": _commit(), "finished": datetime.now(UTC).isoformat(timespec="seconds")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"run": run, "tests": self.tests, "figures": self.figures}, indent=1) + "\n")

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.tests:
            return
        terminalreporter.section("reliability figures")
        for key, figures in self.figures.items():
            terminalreporter.write_line(f"{key}:")
            for name, value in figures["values"].items():
                terminalreporter.write_line(f"    {name}: {value}")
        total = sum(test["cpu_seconds"] for test in self.tests.values())
        terminalreporter.write_line(f"CPU seconds (test process and reaped children), {total:.0f} in all:")
        for nodeid, test in sorted(self.tests.items(), key=lambda item: -item[1]["cpu_seconds"]):
            terminalreporter.write_line(f"    {test['cpu_seconds']:6.1f}  {nodeid}")
        terminalreporter.write_line(f"Written to {self.path}; `make reliability-docs` puts them in {DOC.name}.")


def _commit() -> str:
    try:
        found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return found.stdout.strip()


# --- the document ------------------------------------------------------------------------------------------------


def render_document(text: str, run: dict[str, Any]) -> str:
    """``text`` (docs/reliability.md) with every generated block rewritten from ``run``; KeyError names a block whose
    figures the run lacks."""
    return _BLOCK.sub(lambda match: match.group(1) + render_block(match.group(2), run) + match.group(4), text)


def blocks_in(text: str) -> list[str]:
    return [match.group(2) for match in _BLOCK.finditer(text)]


def render_block(key: str, run: dict[str, Any]) -> str:
    if key == TESTS_BLOCK:
        return _tests_table(run)
    if key not in run["figures"]:
        raise KeyError(f"the run has no figures for the block {key!r}")
    figures = run["figures"][key]
    values = dict(figures["values"])
    tables = {name: value for name, value in values.items() if _is_table(value)}
    rows = [(name, _cell(value)) for name, value in values.items() if name not in tables]
    rows.append(("CPU seconds of the test", _cell(run["tests"][figures["test"]]["cpu_seconds"])))
    parts = [_table(("Counted", "Last run"), rows)]
    for name, table in tables.items():
        columns = list(dict.fromkeys(column for row in table.values() for column in row))
        body = [(row, *(_cell(table[row].get(column, "")) for column in columns)) for row in table]
        parts.append(f"{name[0].upper()}{name[1:]}:\n\n" + _table((" ", *columns), body))
    return "\n".join(parts)


def _tests_table(run: dict[str, Any]) -> str:
    files: dict[str, dict[str, float]] = {}
    for nodeid, test in run["tests"].items():
        counts = files.setdefault(nodeid.split("::", 1)[0], {"tests": 0, "passed": 0, "cpu": 0.0})
        counts["tests"] += 1
        counts["passed"] += test["outcome"] == "passed"
        counts["cpu"] += test["cpu_seconds"]
    rows = [
        (f"`{name.removeprefix(RELIABILITY_TESTS)}`", _cell(int(c["tests"])), _cell(int(c["passed"])), _cell(c["cpu"]))
        for name, c in sorted(files.items())
    ]
    note = f"Run of commit `{run['run']['commit']}`, finished {run['run']['finished']}.\n\n"
    return note + _table(("Test file", "Tests", "Passed", "CPU seconds"), rows)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(row, dict) for row in value.values())


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{name}: {_cell(item)}" for name, item in value.items())
    return str(value)


def _failures(run: dict[str, Any]) -> Iterator[str]:
    for nodeid, test in run["tests"].items():
        if test["outcome"] != "passed":
            yield f"{nodeid}: {test['outcome']}"


def main() -> int:
    source = ROOT / RUN_FILE
    if not source.exists():
        print(f"No {RUN_FILE}: run the reliability tests first (make test, or pytest tests/reliability).")
        return 1
    run = json.loads(source.read_text())
    if failures := list(_failures(run)):
        print("Not from a passing run; the document keeps its figures:\n  " + "\n  ".join(failures))
        return 1
    ran = {nodeid.split("::", 1)[0] for nodeid in run["tests"]}
    if missing_files := sorted({f"tests/reliability/{path.name}" for path in HERE.glob("test_*.py")} - ran):
        print("Not a whole run; these files did not run: " + ", ".join(missing_files))
        return 1
    text = DOC.read_text()
    try:
        updated = render_document(text, run)
    except KeyError as missing:
        print(f"{missing.args[0]}: run every reliability test (pytest tests/reliability) and try again.")
        return 1
    DOC.write_text(updated)
    DOC_FIGURES.write_text(source.read_text())
    print(f"{DOC.relative_to(ROOT)}: {len(blocks_in(text))} blocks from the run of {run['run']['finished']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
