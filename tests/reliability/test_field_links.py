"""Sync over emulated field links (bench/field_link.py, bench/field_conditions.py), at a small scale: a tablet pushes
sessions and a new tablet pulls an agency over "2G", "3G" and a link that is cut again and again. The sync must
finish, resume from its cursor after each cut instead of starting over, and lose or duplicate nothing.
``make bench FULL=1`` runs the same phases at the issue's scale (200 sessions, 2,000 clients, 30-s cuts) and writes
docs/field-conditions.md.

The links need root, ``ip`` and /dev/net/tun: without them the test is skipped, except under CI, where that is a
failure.
"""

import os
from pathlib import Path

import pytest

from bench.field_conditions import FieldScale, run_link
from bench.field_link import PROFILES, LinkProfile, unavailable

SCALE = FieldScale(sessions=20, clients=150, sites=4, workers=4)
# The cut link at this scale: up 3 s of every 9, at a rate that carries at most 12 kB while up, less than the new
# tablet's pull of 150 clients (about 25 kB on the link) needs; and a tablet that gives up on an answer after 3 s (the
# app waits 30 s, the length of the full run's cuts). So however late a busy machine starts a phase, the pull cannot
# fit between two cuts: some request is in flight when a cut starts, the cut outlasts the wait, and the sync has to
# pick up where it stopped.
CUT = LinkProfile("cut 6 s every 9 s", rate_kbit=32, delay_ms=150, loss=0.01, cut_every_s=9, cut_for_s=6)
LINKS = {"2G": PROFILES["2G"], "3G": PROFILES["3G"], "cut": CUT}
SEED = 20_260_615


@pytest.fixture(scope="module", autouse=True)
def _links_can_be_made() -> None:
    reason = unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.parametrize("name", list(LINKS))
def test_sync_over_a_field_link_finishes_resumes_and_loses_nothing(name: str, tmp_path: Path, reliability_figures):
    run = run_link(LINKS[name], SCALE, tmp_path, SEED, read_timeout=3.0 if name == "cut" else None, log=print)
    reliability_figures(f"field-link-{name}", run.as_dict())

    assert run.push.finished and run.pull.finished
    assert (run.lost, run.duplicated) == (0, 0)
    assert (run.clients_missing, run.clients_extra) == (0, 0)
    assert run.pull.pulls_from_the_beginning == 0
    if name == "cut":
        # Not luck: the pull's bytes need more than one up window (see CUT).
        assert run.pull.failed_attempts >= 1, "no cut interrupted the pull"
