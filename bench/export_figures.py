"""The funder export of one month of a large agency, beside reading the same rows, and the export's peak memory.

The agency's sessions span two years (as the synthetic generator spreads them), so one month is about a
twenty-fourth of them. The baseline reads exactly the rows the export needs (the month's sessions and the clients
they name, JSON decoded by the driver) and does nothing with them. The peak memory comes from a second export of the
same month (``--again``) run as ``outpost-server export`` in a process of its own, so nothing else the benchmark holds
is counted, beside the same command exporting an empty month (what the program itself takes).

``python -m bench.export_figures [--full]`` takes this figure alone (at the full size it writes
``docs/benchmarks-export.md``); ``python -m bench`` takes it with all the others.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench.agency import AGENCY_ID, language_codes, location_codes, make_agency
from bench.measure import Figure, stopwatch
from bench.report import code_version, generated_part, markdown_table, write_document
from bench.server import sqlite_url
from bench.server_seed import seed_server
from bench.sizes import FULL, QUICK, Sizes
from seed_data.synthetic import synthetic_sessions
from server.db import Database
from server.models import ClientRecord, SessionRecord
from server.reports.export import ExportOrder, run_export
from server.reports.period import Period
from server.reports.reading import in_chunks

TARGET_S = 10.0
DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks-export.md"
"""Where the full size's figure goes; a quick run only prints its table unless given ``--output``."""
SEED = 20_240_601  # as python -m bench


def export_figures(folder: Path, sizes: Sizes, seed: int) -> list[Figure]:
    agency = make_agency(sites=20, workers=40, clients=sizes.export_clients, seed=seed)
    sessions = synthetic_sessions(
        sizes.export_sessions, clients=agency.clients, agency_id=AGENCY_ID, workers=[w.user_id for w in agency.workers],
        site_codes=[s.code for s in agency.sites], language_codes=language_codes(), location_codes=location_codes(),
        seed=seed,
    )  # fmt: skip
    url = sqlite_url(folder, "export-server")
    seed_server(url, agency.seed(list(sessions)))
    month = _last_month(date.today())
    db = Database(url)
    try:
        processor = [time.process_time()]
        read_before, sessions_read, clients_read = _read_the_rows(db, month)
        processor.append(time.process_time())
        with stopwatch() as elapsed:
            outcome = run_export(db, ExportOrder(AGENCY_ID, month, folder / "export.xlsx"), now=datetime.now(UTC))
        export_s, load = elapsed(), os.getloadavg()[0]
        processor.append(time.process_time())
        read_after, _, _ = _read_the_rows(db, month)
    finally:
        db.close()
    read_cpu_s, export_cpu_s = processor[1] - processor[0], processor[2] - processor[1]
    read_s = (read_before + read_after) / 2  # one read on each side of the export: the machine's load moves
    peak_mb = _peak_megabytes_of_an_export(url, month, folder / "export-again.xlsx")
    idle_mb = _peak_megabytes_of_an_export(url, "1990-01", folder / "export-empty.xlsx")
    database_mb = Path(url.removeprefix("sqlite:///")).stat().st_size / 1e6
    name = (
        f"Funder export of one month ({sessions_read:,} sessions, {clients_read:,} clients) of a "
        f"{sizes.export_clients:,}-client, {sizes.export_sessions:,}-session agency (SQLite)"
    )
    exported = (
        f"{outcome.services:,} services, {outcome.clients:,} client profiles, {outcome.not_reported:,} not reported"
    )
    figure = Figure(
        name=name,
        measured=f"{export_s:,.1f} s; {exported}",
        baseline=f"reading the same rows: {read_s:,.2f} s (mean of a read before and one after the export)",
        ratio=f"{export_s / read_s:,.1f}× the read's time",
        target=f"≤ {TARGET_S:.0f} s",
        met=export_s <= TARGET_S,
        note=f"peak memory of the export process: {peak_mb:,.0f} MB; of one exporting an empty month: "
        f"{idle_mb:,.0f} MB (the database: {database_mb:,.0f} MB); machine load average {load:.1f} as the export "
        f"ended, on {os.cpu_count()} cores; processor time of the export {export_cpu_s:,.1f} s against "
        f"{read_cpu_s:,.2f} s for the read before it ({export_cpu_s / read_cpu_s:,.1f}×), which a busy machine "
        "stretches less than the clock",
    )
    return [figure]


def _last_month(today: date) -> str:
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return f"{start.year:04d}-{start.month:02d}"


def _read_the_rows(db: Database, month: str) -> tuple[float, int, int]:
    """Read the month's session records and the client records they name, and nothing else; seconds and counts."""
    period = Period.month(month)
    with stopwatch() as elapsed, db.reading() as session:
        records = session.scalars(
            select(SessionRecord.record).where(
                SessionRecord.agency_id == AGENCY_ID,
                SessionRecord.service_date >= period.start,
                SessionRecord.service_date <= period.end,
            )
        ).all()
        client_ids = {form["client_id"] for record in records for form in record["service_forms"]}
        clients = 0
        for chunk in in_chunks(client_ids):
            clients += len(session.scalars(select(ClientRecord.record).where(ClientRecord.id.in_(chunk))).all())
    return elapsed(), len(records), clients


# The export process reports its own high-water mark: a child's ru_maxrss would include the benchmark's own memory,
# which a fork copies before the exec.
_EXPORT_AND_REPORT_PEAK = (
    "import sys; from server.cli import main; code = main(sys.argv[1:]); "
    "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]); sys.exit(code)"
)


def _peak_megabytes_of_an_export(url: str, month: str, out: Path) -> float:
    arguments = ["export", "--database-url", url, "--agency", AGENCY_ID, "--month", month, "--again", "--out", str(out)]
    done = subprocess.run([sys.executable, "-c", _EXPORT_AND_REPORT_PEAK, *arguments], capture_output=True, text=True,
                          check=False, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"outpost-server export failed: {done.stderr}")
    return int(done.stdout.split()[-1]) / 1024  # VmHWM is in kB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_figures", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's size (100,000 clients); quick otherwise")
    parser.add_argument("--output", type=Path, help="where to write the table (default: docs/benchmarks-export.md for "
                        "the full size; a quick run only prints it)")  # fmt: skip
    parser.add_argument("--work-dir", type=Path, help="keep the database here (to profile the same agency again)")
    args = parser.parse_args(argv)
    sizes = FULL if args.full else QUICK
    output = args.output or (DOCUMENT if args.full else None)
    started_at, started, code = datetime.now(), time.perf_counter(), code_version()
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        figures = export_figures(args.work_dir, sizes, SEED)
    else:
        with tempfile.TemporaryDirectory(prefix="outpost-bench-export-") as folder:
            figures = export_figures(Path(folder), sizes, SEED)
    seconds = time.perf_counter() - started
    print(markdown_table(figures))
    if output is not None:
        write_document(output, generated_part(figures, mode=sizes.mode, started=started_at, seconds=seconds, code=code))
        print(f"[bench] the export figure ({sizes.mode}) took {seconds:,.0f} s; written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
