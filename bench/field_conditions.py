"""Sync over field links (bench/field_link.py): a tablet pushes a week of sessions, and a new tablet pulls a whole
agency, over "2G", "3G" and a link cut for 30 s every minute.

Each link gets a fresh server database seeded with the same agency, a server process behind the link, and two
tablets on this side of it that sync the way the app does: the app's ``SyncRunner`` on the real clock, with its
backoff and Retry-After rules, over ``HttpTransport`` with the app's timeouts. When a cut starts and ends the runner
hears it as the app hears the phone's connectivity change. A phase ends when the tablet's outbox is empty and a sync
has succeeded (or after ``PHASE_LIMIT_S``: a link on which the sync never finishes is a figure too).

What is counted:
- time, from the first attempt to the end of the successful sync;
- bytes on the link, both ways, as IP packets (TCP and IP headers, retransmissions and aborted transfers included),
  from the relay's counters;
- bytes re-sent: the link's bytes beyond what the same phase took over a clean link (no delay, loss or cuts) in
  the same run, i.e. what loss, cuts and retries cost;
- pulls that started from the beginning again (the pull must resume from its stored cursor after a cut);
- lost and duplicated: the server's database must hold each pushed session once, at version 1, and the new tablet
  every client the server holds, no more.
"""

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from app.store.db import DeviceDatabase
from app.store.models import ClientRow
from app.store.repositories import SyncKey
from app.usecases.accounts import sign_in, sync_engine_factory
from bench.agency import make_agency
from bench.field_link import Counters, FieldLink, LinkProfile
from bench.server import sqlite_url
from bench.server_seed import seed_server
from bench.sync_figures import copy_device, queue_sessions
from bench.wire import WireCounter, counting_session
from server.core.cursor import Cursor
from server.db import Database
from server.models import AppliedOp, ClientRecord, ServerState, SessionRecord
from sync.runner import SyncRunner
from sync.transport import DEFAULT_TIMEOUT, HttpTransport

SERVER_PORT = 8000  # inside the link's own namespace: nothing else listens there
PHASE_LIMIT_S = 1_800.0
CUT_LEAD_S = 1.0
HEALTH_LIMIT_S = 120.0
CLEAN = LinkProfile("clean", rate_kbit=1_000_000, delay_ms=0)


@dataclass(frozen=True, slots=True)
class FieldScale:
    """How much each phase moves: ``sessions`` pushed by one tablet, an agency of ``clients`` pulled by another."""

    sessions: int
    clients: int
    sites: int = 20
    workers: int = 12


FULL_SCALE = FieldScale(sessions=200, clients=2_000)


@dataclass
class Phase:
    """One tablet's sync over one link, as counted."""

    seconds: float = 0.0
    finished: bool = False
    link: Counters = field(default_factory=Counters)
    app_bytes: int = 0  # request and answer bytes of the requests that got an answer (bench/wire.py)
    attempts: int = 0  # syncs the runner started
    failed_attempts: int = 0
    requests: int = 0
    pulls_from_the_beginning: int = 0  # after a page had been stored (see pulls_started_over)
    resent_bytes: int | None = None  # filled in against the clean link


@dataclass
class LinkRun:
    """Both phases over one link, and what the server and the new tablet held afterwards."""

    profile: LinkProfile
    push: Phase
    pull: Phase
    sessions: int
    clients: int
    lost: int = 0
    duplicated: int = 0
    clients_missing: int = 0
    clients_extra: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"profile": self.profile.name, "link": self.profile.describe(), "sessions": self.sessions,
                "clients": self.clients, "push": vars(self.push) | {"link": self.push.link.bytes},
                "pull": vars(self.pull) | {"link": self.pull.link.bytes}, "lost": self.lost,
                "duplicated": self.duplicated, "clients_missing": self.clients_missing,
                "clients_extra": self.clients_extra}  # fmt: skip


class CountingTransport(HttpTransport):
    """The app's transport, noting where each pull starts (a pull from the beginning after the first is a restart)."""

    def __init__(self, *args: Any, pull_cursors: list[str | None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pull_cursors = pull_cursors

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]:
        self.pull_cursors.append(cursor)
        return super().pull(cursor, limit)


def run_link(
    profile: LinkProfile,
    scale: FieldScale,
    folder: Path,
    seed: int,
    *,
    read_timeout: float | None = None,
    log: Callable[[str], None] = print,
) -> LinkRun:
    """Both phases over a new link of ``profile``; the databases and logs go in ``folder``. On a link with cuts each
    phase starts ``CUT_LEAD_S`` before a cut, so the cut always finds the sync under way. ``read_timeout`` replaces
    the app's (30 s) where a test's cuts are shorter than that."""
    folder.mkdir(parents=True, exist_ok=True)
    agency = make_agency(sites=scale.sites, workers=scale.workers, clients=scale.clients, seed=seed)
    template, _ = queue_sessions(folder, agency, scale.sessions, seed)
    url = sqlite_url(folder, f"server-{_slug(profile.name)}")
    seed_server(url, agency.seed())
    with FieldLink(profile, seed=seed, work_dir=folder) as link, _server_behind(link, url, folder, profile) as base:
        log(f"[field] {profile.name}: server behind the link at {base}")
        pusher = copy_device(template, folder / f"push-{_slug(profile.name)}.sqlite3")
        try:
            _sign_in(pusher, base, agency.field_workers[0])
            _start_at_the_current_cursor(pusher, url)
            push = _phase(pusher, link, read_timeout)
        finally:
            pusher.close()
        log(f"[field] {profile.name}: push of {scale.sessions} sessions {_summary(push)}")
        puller = DeviceDatabase(folder / f"pull-{_slug(profile.name)}.sqlite3")
        try:
            _sign_in(puller, base, agency.field_workers[1])
            pull = _phase(puller, link, read_timeout)
            held = _client_versions(puller)
        finally:
            puller.close()
        log(f"[field] {profile.name}: new tablet's pull of {scale.clients} clients {_summary(pull)}")
    run = LinkRun(profile, push, pull, scale.sessions, scale.clients)
    _count_what_arrived(run, url, held)
    return run


def with_resent(runs: list[LinkRun], clean: LinkRun) -> list[LinkRun]:
    """Each run's bytes re-sent: its link bytes beyond the clean link's, phase by phase."""
    for run in runs:
        run.push.resent_bytes = max(run.push.link.bytes - clean.push.link.bytes, 0)
        run.pull.resent_bytes = max(run.pull.link.bytes - clean.pull.link.bytes, 0)
    return runs


# --- one phase ---------------------------------------------------------------------------------------------------


def _phase(db: DeviceDatabase, link: FieldLink, read_timeout: float | None) -> Phase:
    """Sync ``db`` with the app's runner on the real clock until its outbox is empty and a sync succeeded."""
    phase, counter, cursors = Phase(), WireCounter(), []
    statuses: list[Any] = []
    done = threading.Event()
    timeout = DEFAULT_TIMEOUT if read_timeout is None else (DEFAULT_TIMEOUT[0], read_timeout)

    def transport(server_url: str, token: str | None = None) -> HttpTransport:
        return CountingTransport(server_url, token=token, timeout=timeout, session=counting_session(counter),
                                 pull_cursors=cursors)  # fmt: skip

    build = sync_engine_factory(db, transport)

    def heard(status: Any) -> None:
        statuses.append(status)
        if not status.syncing and status.last_success is not None and status.pending == 0 and not status.last_error:
            done.set()

    runner = SyncRunner(build, on_status=heard)
    _just_before_a_cut(link)
    before = link.counters()
    started = time.monotonic()
    watcher = _ConnectivityWatcher(link, runner)
    runner.start()
    watcher.start()
    try:
        phase.finished = done.wait(PHASE_LIMIT_S)
    finally:
        watcher.stop()
        runner.stop()
    phase.seconds = time.monotonic() - started
    after = link.counters()
    phase.link = _difference(after, before)
    phase.app_bytes, phase.requests = counter.total, counter.requests
    syncing = [status for status in statuses if status.syncing]
    phase.attempts = len(syncing)
    phase.failed_attempts = sum(1 for status in statuses if not status.syncing and status.last_error)
    phase.pulls_from_the_beginning = pulls_started_over(cursors)
    return phase


def pulls_started_over(cursors: list[str | None]) -> int:
    """Pull requests sent without a cursor after the device already held one: each throws away the pages stored.

    Asking again for the first page when no page ever arrived (the first request was cut) is not starting over:
    there was nothing to resume from.
    """
    started_over, held_a_cursor = 0, False
    for cursor in cursors:
        if cursor is not None:
            held_a_cursor = True
        elif held_a_cursor:
            started_over += 1
    return started_over


def _just_before_a_cut(link: FieldLink) -> None:
    """On a link with cuts, wait until the next cut is ``CUT_LEAD_S`` away (this sets up the scenario; nothing is
    timed or asserted on it)."""
    if not link.profile.cut_every_s:
        return
    wait = link.seconds_until_cut() - CUT_LEAD_S
    time.sleep(wait if wait >= 0 else wait + link.profile.cut_every_s)


class _ConnectivityWatcher(threading.Thread):
    """Tells the runner when a cut starts and ends, as the phone's connectivity events tell the app."""

    def __init__(self, link: FieldLink, runner: SyncRunner):
        super().__init__(daemon=True)
        self.link, self.runner = link, runner
        self.stopping = threading.Event()

    def run(self) -> None:
        was_cut = self.link.is_cut()
        while not self.stopping.wait(0.1):
            cut = self.link.is_cut()
            if cut != was_cut:
                self.runner.connectivity_changed(not cut)
                was_cut = cut

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)


def _difference(after: Counters, before: Counters) -> Counters:
    result = Counters()
    for way in ("up", "down"):
        now, then, into = getattr(after, way), getattr(before, way), getattr(result, way)
        for name in ("packets", "bytes", "dropped_packets", "dropped_bytes"):
            setattr(into, name, getattr(now, name) - getattr(then, name))
    return result


def _summary(phase: Phase) -> str:
    state = "finished" if phase.finished else "DID NOT FINISH"
    return (f"{state} in {phase.seconds:,.1f} s, {phase.link.bytes:,} bytes on the link, "
            f"{phase.attempts} attempts ({phase.failed_attempts} failed)")  # fmt: skip


# --- the server behind the link, and the tablets ------------------------------------------------------------------


@contextmanager
def _server_behind(link: FieldLink, url: str, folder: Path, profile: LinkProfile) -> Iterator[str]:
    """``outpost-server serve`` inside the link's namespace; yields its URL as the tablets reach it."""
    command = [sys.executable, "-m", "server.cli", "serve", "--host", link.server_address, "--port",
               str(SERVER_PORT), "--database-url", url]  # fmt: skip
    log_path = folder / f"server-{_slug(profile.name)}.log"
    with log_path.open("ab") as output:
        process = subprocess.Popen(link.behind(command), stdout=output, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    base = f"http://{link.server_address}:{SERVER_PORT}"
    try:
        _wait_until_healthy(base, process, log_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server behind the link exited; see {log_path}")
        try:
            if requests.get(f"{base}/api/v1/health", timeout=10).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server behind the link did not answer within {HEALTH_LIMIT_S:.0f} s; see {log_path}")


def _sign_in(db: DeviceDatabase, base: str, worker: Any) -> None:
    """Sign in over the link, retrying through cuts and losses as a worker would."""
    for _ in range(20):
        try:
            sign_in(db, HttpTransport, base, worker.user_id, worker.password, "field tablet")
            return
        except Exception:  # the link may be cut right now: try again shortly
            time.sleep(3)
    raise RuntimeError("could not sign in over the link")


def _start_at_the_current_cursor(db: DeviceDatabase, url: str) -> None:
    """The pushing tablet has synced before: it holds the agency and its cursor is the server's latest."""
    server = Database(url, run_migrations=False)
    try:
        with server.reading() as session:
            state = session.scalars(select(ServerState)).one()
            cursor = Cursor(epoch=state.epoch, seq=state.last_seq).encode()
    finally:
        server.close()
    with db.writing() as uow:
        uow.sync_state.set(SyncKey.CURSOR, cursor)
        uow.commit()


def _client_versions(db: DeviceDatabase) -> dict[str, int]:
    with db.reads() as tx:
        return dict(tx.execute(select(ClientRow.id, ClientRow.version)).all())


def _count_what_arrived(run: LinkRun, url: str, held: dict[str, int]) -> None:
    server = Database(url, run_migrations=False)
    try:
        with server.reading() as session:
            versions = dict(session.execute(select(SessionRecord.id, SessionRecord.version)).all())
            applied = session.scalar(select(func.count()).select_from(AppliedOp)) or 0
            clients = dict(session.execute(select(ClientRecord.id, ClientRecord.version)).all())
    finally:
        server.close()
    run.lost = max(run.sessions - len(versions), 0) + sum(1 for version in versions.values() if version < 1)
    run.duplicated = max(applied - run.sessions, 0) + sum(version - 1 for version in versions.values() if version > 1)
    run.clients_missing = sum(1 for key, version in clients.items() if held.get(key) != version)
    run.clients_extra = len(held.keys() - clients.keys())


def _slug(name: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in name.lower())


# --- the full run: ``make bench FULL=1`` (or ``python -m bench.field_conditions``) ----------------------------------

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "field-conditions.md"
MARKER = "<!-- The table above is written by `make bench FULL=1` (bench/field_conditions.py); the rest is kept. -->"
SEED = 20_260_615


def field_conditions_table(runs: list[LinkRun]) -> str:
    """The generated table of docs/field-conditions.md: one row per link and phase."""
    lines = [
        "| Link | Phase | Finished | Time (s) | Bytes on the link | Per record | Re-sent bytes | Failed attempts "
        "| Pulls started over | Lost | Duplicated |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for phase_name, phase, records in (("push", run.push, run.sessions), ("pull", run.pull, run.clients)):
            resent = "—" if phase.resent_bytes is None else f"{phase.resent_bytes:,}"
            lost = run.lost if phase_name == "push" else run.clients_missing
            duplicated = run.duplicated if phase_name == "push" else run.clients_extra
            lines.append(
                f"| {run.profile.name} ({run.profile.describe()}) | {phase_name} {records:,} "
                f"{'sessions' if phase_name == 'push' else 'clients'} | {'yes' if phase.finished else 'NO'} "
                f"| {phase.seconds:,.1f} | {phase.link.bytes:,} | {phase.link.bytes / max(records, 1):,.0f} "
                f"| {resent} | {phase.failed_attempts} | {phase.pulls_from_the_beginning} | {lost} | {duplicated} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile
    from datetime import datetime

    from bench.field_link import PROFILES, unavailable
    from bench.report import code_version

    parser = argparse.ArgumentParser(prog="python -m bench.field_conditions", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=FULL_SCALE.sessions)
    parser.add_argument("--clients", type=int, default=FULL_SCALE.clients)
    parser.add_argument("--output", type=Path, default=DOCUMENT)
    args = parser.parse_args(argv)
    reason = unavailable()
    if reason:
        print(f"[field] skipped: {reason}", file=sys.stderr)
        return 0
    scale = FieldScale(sessions=args.sessions, clients=args.clients)
    started_at, started = datetime.now(), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="outpost-field-") as folder:
        clean = run_link(CLEAN, scale, Path(folder) / "clean", SEED)
        runs = with_resent([run_link(profile, scale, Path(folder) / key, SEED) for key, profile in PROFILES.items()],
                           clean)  # fmt: skip
    generated = "\n".join(
        [
            "# Sync under field conditions",
            "",
            f"- Date: {started_at:%Y-%m-%d %H:%M} (local time); code {code_version()}; run took "
            f"{time.monotonic() - started:,.0f} s",
            f"- A tablet pushes {scale.sessions:,} sessions; a new tablet pulls an agency of {scale.clients:,}"
            " clients.",
            "- Bytes are IP packets on the link, both ways; re-sent bytes are those beyond the same phase over a clean "
            "link in the same run.",
            "",
            field_conditions_table([clean, *runs]),
            "",
        ]
    )
    kept = ""
    if args.output.exists() and MARKER in (previous := args.output.read_text(encoding="utf-8")):
        kept = previous.split(MARKER, 1)[1]
    args.output.write_text(generated + "\n" + MARKER + kept, encoding="utf-8")
    print(generated)
    failed = [run.profile.name for run in runs if not (run.push.finished and run.pull.finished)]
    losses = [
        run.profile.name for run in runs if run.lost or run.duplicated or run.clients_missing or run.clients_extra
    ]
    return 1 if failed or losses else 0


if __name__ == "__main__":
    sys.exit(main())
