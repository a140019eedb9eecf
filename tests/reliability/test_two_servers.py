"""Two ``outpost-server serve`` processes on one PostgreSQL database, with requests dealt to them in turn as a
round-robin load balancer would: a device's push may land on one process and the pull right after it, or the retry
of a push whose answer was lost, on the other. Sessions must still arrive exactly once, conflicts must still be
caught, and a device pulling while others write through both processes must never have a row skipped past its
cursor.
"""

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from central_server import ServerProcess, read_holdings
from field_devices import FieldDevice
from pg import fresh_postgres_database
from requests.adapters import HTTPAdapter
from server_process import run_admin

from app.usecases.accounts import TransportFactory
from app.usecases.attention import keep_mine, needs_attention
from app.usecases.sessions import load_session
from sync.engine import SyncReport
from sync.transport import HttpTransport, Offline

pytestmark = pytest.mark.postgres

BALANCED_URL = "http://outpost-pair.localhost"  # never resolved: the adapter swaps in a real server for each request
WORKER, COLLEAGUE, THIRD = "mhernandez", "lnguyen", "okovalenko"
SUPERVISOR = "ayusuf"
WRITER_ROUNDS = 8
READER_PAGE = 7  # small pages, so the reader's cursor moves many times while the writers commit


class RoundRobin:
    """Deals requests to the servers in turn, across every device, and counts what each process received and how
    the pulls were answered (a 410 would make a device pull everything again, which hides a skipped row)."""

    def __init__(self, servers: list[ServerProcess]):
        self.urls = [server.url for server in servers]
        self.received: Counter[str] = Counter()
        self.pull_answers: Counter[int] = Counter()
        self._turns = itertools.cycle(self.urls)
        self._lock = threading.Lock()

    def next_url(self) -> str:
        with self._lock:
            url = next(self._turns)
            self.received[url] += 1
            return url

    def note_pull_answer(self, status: int) -> None:
        with self._lock:
            self.pull_answers[status] += 1


class BalancedAdapter(HTTPAdapter):
    """Sends each request to the next server in turn; can lose the answers of the first ``lost_push_replies``
    pushes after the server has applied them, as a dropped connection does."""

    def __init__(self, balancer: RoundRobin, lost_push_replies: int = 0):
        super().__init__()
        self.balancer = balancer
        self.lost_push_replies = lost_push_replies

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = self.balancer.next_url() + str(request.url)[len(BALANCED_URL) :]
        response = super().send(request, *args, **kwargs)
        if "/sync/pull" in request.path_url:
            self.balancer.note_pull_answer(response.status_code)
        if self.lost_push_replies and request.path_url.endswith("/sync/push"):
            self.lost_push_replies -= 1
            raise requests.ConnectionError("Injected: the answer to this push was lost", request=request)
        return response


def balanced(balancer: RoundRobin, *, lost_push_replies: int = 0) -> TransportFactory:
    """A transport factory like the app's, whose requests go through the round-robin."""

    def build(server_url: str, token: str | None = None) -> HttpTransport:
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment between the test and loopback
        session.mount(BALANCED_URL, BalancedAdapter(balancer, lost_push_replies))
        return HttpTransport(server_url, token=token, session=session)

    return build


@dataclass(frozen=True, slots=True)
class ServerPair:
    database_url: str
    balancer: RoundRobin

    def transport(self, *, lost_push_replies: int = 0) -> TransportFactory:
        return balanced(self.balancer, lost_push_replies=lost_push_replies)

    def tablet(self, folder: Path, name: str, user_id: str) -> FieldDevice:
        """A tablet signed in through the round-robin and synced once."""
        device = FieldDevice(folder / name, name)
        device.sign_in(BALANCED_URL, user_id, transport_factory=self.transport())
        device.sync(self.transport())
        return device


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPair]:
    """The demo agency on a fresh PostgreSQL database, served by two processes."""
    with fresh_postgres_database("outpost_two_servers") as database_url:
        run_admin(database_url, "demo")
        logs = tmp_path_factory.mktemp("two-servers")
        servers = [ServerProcess(database_url, logs / f"server-{n}.log") for n in (1, 2)]
        try:
            for server in servers:
                server.start()
            yield ServerPair(database_url, RoundRobin(servers))
        finally:
            for server in servers:
                server.stop()


def test_sessions_arrive_once_when_a_lost_answer_is_retried_on_the_other_process(pair, memory_dir):
    mine, colleagues = pair.tablet(memory_dir, "tablet-a", WORKER), pair.tablet(memory_dir, "tablet-b", COLLEAGUE)
    client = mine.register_client(last_name="Okafor")
    for number in range(3):
        mine.record_session(client.id, notes=f"Visit {number}")
    shared = mine.record_session(client.id, notes="Tax clinic", staff=[WORKER, COLLEAGUE])

    # Applied by one process, the answer lost on the way: the transport sends the batch again at once, and the
    # round-robin deals it to the other process.
    mine.sync(pair.transport(lost_push_replies=1))
    mine.record_session(client.id, notes="Follow-up")
    with pytest.raises(Offline):
        mine.sync(pair.transport(lost_push_replies=2))  # the answer and the immediate retry's answer both lost
    mine.sync(pair.transport())  # the same op_ids a third time, at the next sync
    colleagues.sync(pair.transport())

    holdings = read_holdings(pair.database_url)
    assert {key: holdings.sessions[key]["version"] for key in mine.saves} == dict(mine.saves)
    assert {key: holdings.applied_per_record[key] for key in mine.saves} == dict(mine.saves)
    assert holdings.applied_per_record[client.id] == 1
    assert mine.outbox_counts() == {"pending": 0, "needs_attention": 0}
    assert colleagues.sessions() == holdings.sessions_of(COLLEAGUE)
    assert shared.id in colleagues.sessions()
    assert client.id in colleagues.clients()
    for device in (mine, colleagues):
        device.close()


def test_a_conflict_is_caught_when_the_two_edits_reach_different_processes(pair, memory_dir):
    mine, colleagues = pair.tablet(memory_dir, "tablet-a", WORKER), pair.tablet(memory_dir, "tablet-b", COLLEAGUE)
    client = mine.register_client(last_name="Haddad")
    shared = mine.record_session(client.id, notes="Tax clinic", staff=[WORKER, COLLEAGUE])
    mine.sync(pair.transport())
    colleagues.sync(pair.transport())

    mine.edit_session(shared.id, notes="Tax clinic: 12 came")
    colleagues.edit_session(shared.id, notes="Tax clinic: 14 came, two left early")
    mine.sync(pair.transport())
    colleagues.sync(pair.transport())

    [conflict] = needs_attention(colleagues.db)
    assert (conflict.problem, conflict.record_id) == ("conflict", shared.id)
    assert conflict.theirs is not None and conflict.theirs["notes"] == "Tax clinic: 12 came"
    assert conflict.mine["notes"] == "Tax clinic: 14 came, two left early"
    keep_mine(colleagues.db, conflict.id)
    colleagues.sync(pair.transport())
    mine.sync(pair.transport())

    on_server = read_holdings(pair.database_url).sessions[shared.id]
    assert (on_server["version"], on_server["notes"]) == (3, "Tax clinic: 14 came, two left early")
    assert load_session(mine.db, shared.id).notes == "Tax clinic: 14 came, two left early"
    for device in (mine, colleagues):
        assert device.outbox_counts() == {"pending": 0, "needs_attention": 0}
        device.close()


def write_and_sync(device: FieldDevice, transport: TransportFactory, rounds: int) -> tuple[int, int]:
    """Save two sessions (and edit an earlier one every third round), then sync; repeat. Returns the saves and how
    many syncs had to pull everything again."""
    client_id = device.register_client(last_name=f"Client of {device.name}").id
    full_pulls = 0
    for number in range(rounds):
        for _ in range(2):
            device.record_session(client_id, notes=f"{device.name}, round {number}")
        if number % 3 == 2:
            device.edit_session(sorted(device.saves)[number % len(device.saves)], notes=f"Edited in round {number}")
        full_pulls += device.sync(transport).full_pull
    return sum(device.saves.values()), full_pulls


def pull_from_cursor(reader: FieldDevice, transport: TransportFactory) -> SyncReport:
    """One pull in small pages from the stored cursor."""
    engine = reader.engine(transport)
    engine.pull_limit = READER_PAGE
    report = SyncReport()
    engine.pull(report)
    return report


def pull_until(reader: FieldDevice, transport: TransportFactory, writers_done: threading.Event) -> list[SyncReport]:
    """Pull from the stored cursor again and again until the writers are done."""
    reports = []
    while not writers_done.is_set():
        reports.append(pull_from_cursor(reader, transport))
    return reports


def test_a_reader_pulling_while_others_write_through_both_processes_misses_no_row(
    pair, memory_dir, reliability_figures
):
    writers = [pair.tablet(memory_dir, f"writer-{user}", user) for user in (WORKER, COLLEAGUE, THIRD)]
    reader = pair.tablet(memory_dir, "supervisor-reader", SUPERVISOR)
    done = threading.Event()
    pair.balancer.pull_answers.clear()
    with ThreadPoolExecutor(max_workers=len(writers) + 1) as pool:
        reading = pool.submit(pull_until, reader, pair.transport(), done)
        writing = [pool.submit(write_and_sync, writer, pair.transport(), WRITER_ROUNDS) for writer in writers]
        try:
            written_and_full = [future.result() for future in writing]
        finally:
            done.set()
        reports = reading.result()
    reports.append(pull_from_cursor(reader, pair.transport()))  # once more, after the writers: only what came after

    holdings = read_holdings(pair.database_url)
    written = set().union(*(writer.saves.keys() for writer in writers))
    full_pulls = sum(full for _, full in written_and_full) + sum(report.full_pull for report in reports)
    reliability_figures(
        "two-servers",
        {
            "writers": len(writers),
            "sessions written": len(written),
            "saves (creates + edits)": sum(saves for saves, _ in written_and_full),
            "reader pulls while writing": len(reports) - 1,
            "pages pulled by the reader": sum(report.pages for report in reports),
            "requests per process": [count for _, count in sorted(pair.balancer.received.items())],
            "pull answers by status": dict(pair.balancer.pull_answers),
            "pulls that started over without a cursor": full_pulls,
            "sessions on the server": len(holdings.sessions),
            "rows the reader is missing or holds stale": sum(
                1 for key, record in holdings.sessions.items() if reader.sessions().get(key) != record
            ),
        },
    )
    # A 410 would send a device back to the beginning, and a full pull would hide a row a cursor skipped.
    assert set(pair.balancer.pull_answers) == {200}, pair.balancer.pull_answers
    assert full_pulls == 0
    assert written <= holdings.sessions.keys()
    assert reader.sessions() == holdings.sessions
    assert reader.clients() == holdings.clients
    for device in [*writers, reader]:
        device.close()
