"""The table: printed to the terminal and written to ``docs/benchmarks.md`` with the machine and the date.

The generated part of the document ends at a marker line; what follows it (the hand-written notes on what limits
each figure) is kept when a new run rewrites the table.
"""

import os
import platform
import subprocess
from datetime import datetime
from pathlib import Path

from bench.measure import Figure

HAND_WRITTEN_MARKER = "<!-- The table above is written by `python -m bench`; everything below is kept as written. -->"
COLUMNS = ("Figure", "Measured", "Baseline (same run)", "Ratio", "Target", "Verdict")


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it, with the number of cores this process may use."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


def code_version() -> str:
    """The commit measured, marked when the working tree had uncommitted changes."""
    repository = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repository, capture_output=True,
                                text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repository,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(figures: list[Figure]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for figure in figures:
        values = (figure.name, figure.measured, figure.baseline, figure.ratio, figure.target, figure.verdict)
        lines.append("| " + " | ".join(_cell(value) for value in values) + " |")
    return "\n".join(lines)


def notes(figures: list[Figure]) -> str:
    return "\n".join(f"- {figure.name}: {figure.note}" for figure in figures if figure.note)


def generated_part(figures: list[Figure], *, mode: str, started: datetime, seconds: float, code: str) -> str:
    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"- Date: {started:%Y-%m-%d %H:%M} (local time)",
            f"- Machine: {cpu_model()}; Python {platform.python_version()}; {platform.system()} {platform.release()}",
            f"- Code: commit {code}",
            f"- Mode: `{mode}` (`make bench` runs quick; `make bench FULL=1` runs the issue's full sizes)",
            f"- Whole run: {seconds / 60:,.1f} min",
            "",
            markdown_table(figures),
            "",
            "Notes from this run:",
            "",
            notes(figures),
            "",
        ]
    )


def write_document(path: Path, generated: str) -> None:
    """Replace the generated part of ``path``, keeping everything after the marker line."""
    kept = ""
    if path.exists():
        previous = path.read_text(encoding="utf-8")
        if HAND_WRITTEN_MARKER in previous:
            kept = previous.split(HAND_WRITTEN_MARKER, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{generated}\n{HAND_WRITTEN_MARKER}{kept or chr(10)}", encoding="utf-8")
