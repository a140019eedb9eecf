"""``python -m bench [--quick|--full]``: run every figure, print the table, write ``docs/benchmarks.md``.

A figure that misses its target is reported, not failed: the exit status is non-zero only when a figure could
not be measured at all (it raised), so CI catches a broken benchmark without flaking on a slow machine.
"""

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bench.app_feel import app_feel_figures
from bench.console_figures import console_figures
from bench.device_figures import device_figures
from bench.export_figures import export_figures
from bench.load import load_figures
from bench.measure import Figure, could_not_run
from bench.report import code_version, generated_part, markdown_table, write_document
from bench.sizes import FULL, QUICK, Sizes
from bench.sync_figures import first_sync_figures, push_figures
from bench.unlock_figures import unlock_figures

DOCS = Path(__file__).resolve().parents[1] / "docs"
# The full run's table and its write-up live in benchmarks.md; a quick run (CI, a check while working) writes its
# own file, so it never replaces the full figures.
DEFAULT_DOCUMENTS = {"full": DOCS / "benchmarks.md", "quick": DOCS / "benchmarks-quick.md"}
SEED = 20_240_601

FigureGroup = Callable[[Path, Sizes, int], list[Figure]]
GROUPS: list[tuple[str, FigureGroup]] = [
    ("device: search, save session, memory", device_figures),
    ("device: unlock with a password or the PIN", unlock_figures),
    ("sync: push to a local server, bytes per session", push_figures),
    ("sync: first sync and no-op sync", first_sync_figures),
    ("sync: many devices at once", load_figures),
    ("the app in a browser", app_feel_figures),
    ("reports: the funder export of a month", export_figures),
    ("console: the agency's session list", console_figures),
]


def run_groups(folder: Path, sizes: Sizes, groups: list[tuple[str, FigureGroup]]) -> tuple[list[Figure], bool]:
    """The groups' figures, and whether all of them ran; a group that raises becomes one "could not run" row."""
    figures: list[Figure] = []
    all_ran = True
    for title, group in groups:
        started = time.perf_counter()
        print(f"[bench] {title} …", file=sys.stderr, flush=True)
        try:
            figures += group(folder, sizes, SEED)
        except Exception as error:  # a broken figure must not hide the others; it is reported and fails the run
            traceback.print_exc()
            figures.append(could_not_run(title, "—", f"could not run: {type(error).__name__}: {error}"))
            all_ran = False
        print(f"[bench] {title}: {time.perf_counter() - started:,.1f} s", file=sys.stderr, flush=True)
    return figures, all_ran


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size_choice = parser.add_mutually_exclusive_group()
    size_choice.add_argument("--quick", action="store_true", help="small sizes for CI (the default)")
    size_choice.add_argument("--full", action="store_true", help="the issue's sizes (100,000 clients, 200 devices)")
    parser.add_argument("--output", type=Path, help="where to write the table (default: docs/benchmarks.md for the "
                        "full run, docs/benchmarks-quick.md for the quick one)")  # fmt: skip
    parser.add_argument("--work-dir", type=Path, help="keep the databases here instead of a temporary folder")
    parser.add_argument("--only", metavar="WORDS", help="run only the groups whose title holds WORDS (e.g. "
                        "'console'); needs --output, so a partial table never replaces the whole one")  # fmt: skip
    args = parser.parse_args(argv)
    sizes = FULL if args.full else QUICK
    groups = [(title, group) for title, group in GROUPS if args.only is None or args.only in title]
    if args.only is not None and (not groups or args.output is None):
        parser.error("--only needs --output and the words of a group's title: " + "; ".join(t for t, _ in GROUPS))
    output = args.output or DEFAULT_DOCUMENTS[sizes.mode]
    started_at, started, code = datetime.now(), time.perf_counter(), code_version()
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        figures, all_ran = run_groups(args.work_dir, sizes, groups)
    else:
        with tempfile.TemporaryDirectory(prefix="outpost-bench-") as folder:
            figures, all_ran = run_groups(Path(folder), sizes, groups)
    seconds = time.perf_counter() - started
    print(markdown_table(figures))
    table = generated_part(figures, mode=sizes.mode, started=started_at, seconds=seconds, code=code)
    write_document(output, table)
    print(f"[bench] {sizes.mode} run took {seconds:,.0f} s; table written to {output}", file=sys.stderr)
    return 0 if all_ran else 1


if __name__ == "__main__":
    sys.exit(main())
