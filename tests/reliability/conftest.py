"""Reliability tests: every test in this folder carries the ``reliability`` mark (``pytest -m reliability``) and still
runs in the default suite.

Tests that measure something (faults injected, records checked, lost, duplicated) hand their figures to the
``reliability_figures`` fixture, and every test's CPU time is noted. Both go to build/reliability-figures.json at the
end of the run, under pytest-xdist too, and from there into docs/reliability.md (tests/reliability_figures.py).
"""

import resource
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from central_server import CommitPause, ServerProcess
from reliability_figures import record, record_cpu_seconds
from server_process import run_admin

HERE = Path(__file__).parent
MEMORY_FOLDER = Path("/dev/shm")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: tries hard to lose or duplicate records (docs/reliability.md)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.reliability)


def _cpu_seconds() -> float:
    """CPU used so far by this process and the children it has reaped (e.g. server processes a test stopped)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.fixture(autouse=True)
def _count_cpu_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Note each test's CPU time: on a shared machine it says more about a test's cost than the clock does."""
    started = _cpu_seconds()
    yield
    record_cpu_seconds(request.node, _cpu_seconds() - started)


@pytest.fixture
def reliability_figures(request: pytest.FixtureRequest) -> Callable[[str, dict[str, Any]], None]:
    """``record(key, figures)``: keep a test's measured figures for the run's JSON file; ``key`` names the block of
    docs/reliability.md they fill."""

    def record_figures(key: str, figures: dict[str, Any]) -> None:
        record(request.node, key, figures)
        print(f"{key}: {figures}")

    return record_figures


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


@pytest.fixture(scope="session")
def demo_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite server database with the demo agency, made once by ``outpost-server demo`` and copied by each test
    (loading it hashes a dozen passwords with Argon2id, which is slow on purpose)."""
    template = tmp_path_factory.mktemp("demo-template") / "server.sqlite3"
    run_admin(f"sqlite:///{template}", "demo")
    return template


@pytest.fixture
def demo_database_url(demo_database_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo database, for one test."""
    database = tmp_path / "server.sqlite3"
    shutil.copyfile(demo_database_template, database)
    return f"sqlite:///{database}"


@pytest.fixture
def demo_server(demo_database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real ``outpost-server serve`` process on a fresh copy of the demo database, stopped afterwards."""
    process = ServerProcess(demo_database_url, tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def commit_pause(tmp_path: Path) -> CommitPause:
    """Stops ``pausable_demo_server`` inside a push, before it commits, when armed."""
    return CommitPause(tmp_path)


@pytest.fixture
def pausable_demo_server(demo_database_url: str, commit_pause: CommitPause, tmp_path: Path) -> Iterator[ServerProcess]:
    """``demo_server``, run by ``pausable_server.py`` so that ``commit_pause`` can stop it."""
    process = commit_pause.server(demo_database_url, tmp_path / "server.log")
    process.start()
    yield process
    process.stop()
