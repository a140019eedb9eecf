"""An export pauses Python's cycle collector while it runs and leaves it as it found it, however exports overlap."""

import gc
from collections.abc import Iterator

import pytest

from server.reports.export import collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_back_on_when_the_last_of_two_overlapping_exports_ends():
    gc.enable()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second export still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failed_export_turns_the_collector_back_on():
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the disk is full")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
