"""The benchmark's building blocks run end to end on tiny sizes and produce rows that say what they measured.

No timing is asserted: a slow machine must never fail a test. What can fail is a block that no longer runs against
the app's real use cases, engine or server, or a report that loses its hand-written notes.
"""

import dataclasses
import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
import requests

from bench.device_figures import device_figures
from bench.field_conditions import pulls_started_over
from bench.load import load_figures
from bench.measure import Figure, percentile
from bench.report import HAND_WRITTEN_MARKER, generated_part, write_document
from bench.sizes import QUICK
from bench.sync_figures import first_sync_figures, push_figures
from bench.wire import WireCounter, _request_bytes

TINY = dataclasses.replace(
    QUICK,
    mode="tiny",
    search_clients=60,
    search_queries=5,
    saves=3,
    pushed_sessions=4,
    first_sync_sites=5,
    first_sync_workers=12,
    first_sync_clients=40,
    first_sync_sessions=10,
    devices=2,
    sessions_per_device=2,
    day_devices=3,
    day_syncs=(1, 2),
    day_window_s=1,
    load_processes=1,
    load_backends=("SQLite",),
)


def _measured(figures: list[Figure]) -> list[Figure]:
    return [f for f in figures if not f.measured.startswith("skipped")]


def test_percentile_interpolates_between_samples() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert percentile(samples, 0.5) == 2.5
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 4.0


def test_gzip_request_is_counted_compressed_and_uncompressed() -> None:
    body = json.dumps({"changes": ["x" * 500]}).encode()
    prepared = requests.Request(
        "POST", "http://127.0.0.1:9/api/v1/sync/push", data=gzip.compress(body), headers={"Content-Encoding": "gzip"}
    ).prepare()
    on_wire, uncompressed = _request_bytes(prepared)
    assert uncompressed == len(body)
    assert len(gzip.compress(body)) < on_wire < len(body)


def test_rewriting_the_document_keeps_the_hand_written_notes(tmp_path: Path) -> None:
    document = tmp_path / "benchmarks.md"
    row = Figure("Search", "p50 1 ms", "scan: 30 ms", "30×", "≥ 20×", True)
    write_document(document, generated_part([row], mode="quick", started=datetime(2025, 1, 2), seconds=5, code="abc"))
    document.write_text(document.read_text() + "\n## What limits each figure\nThe index.\n")
    rewritten = dataclasses.replace(row, measured="p50 2 ms")
    again = generated_part([rewritten], mode="full", started=datetime(2025, 1, 3), seconds=5, code="abc")
    write_document(document, again)
    text = document.read_text()
    assert "p50 2 ms" in text and "p50 1 ms" not in text
    assert text.count(HAND_WRITTEN_MARKER) == 1
    assert text.endswith("## What limits each figure\nThe index.\n")


def test_device_figures_run_on_a_tiny_device(tmp_path: Path) -> None:
    figures = device_figures(tmp_path, TINY, seed=1)
    names = " ".join(figure.name for figure in figures)
    assert "3-letter prefix" in names and "date of birth" in names and "Save session" in names
    assert "Peak RSS" in names
    assert all(figure.measured and figure.baseline for figure in figures)


@pytest.mark.slow
def test_sync_figures_run_against_a_real_server(tmp_path: Path) -> None:
    figures = push_figures(tmp_path, TINY, seed=2) + first_sync_figures(tmp_path, TINY, seed=2)
    for start in ("Push 4 queued sessions", "Bytes on the wire", "First sync", "No-op sync"):
        assert any(figure.name.startswith(start) for figure in figures), start
    pushes = [f for f in _measured(figures) if f.name.startswith("Push")]
    assert pushes and all("sessions/s" in f.measured for f in pushes)
    no_op = next(f for f in figures if f.name.startswith("No-op"))
    assert no_op.measured.startswith("1 request")


@pytest.mark.slow
def test_load_runs_find_every_pushed_session_on_the_server(tmp_path: Path) -> None:
    burst, day, cpu = load_figures(tmp_path, TINY, seed=3)
    for run in (burst, day):
        assert run.measured.startswith("0 errors, 0 lost, 0 duplicated"), run.measured
        assert "0 unexpected sessions on the server, 0 still queued" in run.note
    assert burst.name.startswith("Burst: 2 devices") and day.name.startswith("Working day: 3 devices")
    assert "per sync" in cpu.measured and "syncs/s" in cpu.ratio


def test_a_counter_starts_empty() -> None:
    assert WireCounter().snapshot() == (0, 0, 0)


def test_a_pull_counts_as_started_over_only_after_it_had_a_page_to_resume_from() -> None:
    # A cut before the first page arrived leaves nothing to resume from: asking again without a cursor is a retry.
    assert pulls_started_over([None, None, "c1", "c2"]) == 0
    # A cursor held and then dropped throws the stored pages away: that is starting over.
    assert pulls_started_over([None, "c1", None, "c1"]) == 1
