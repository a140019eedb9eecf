"""Push and pull sizes that follow the link: small at first, larger while requests come back quickly, smaller after a
slow request or one the link lost, so a cut loses less. Time is a fake clock the transport moves; nothing sleeps."""

from typing import Any
from uuid import uuid4

import pytest
from unit.sync.conftest import FakeServer, FakeTransport

from protocol.records import client_to_wire
from sync.engine import SyncEngine
from sync.pacing import QUICK_S, SLOW_S, LinkPace, LinkPaces
from sync.transport import Offline, ServerError

QUICK = QUICK_S / 2
SLOW = SLOW_S + 1


class TimedLink(FakeTransport):
    """The fake server over a link where each request takes ``seconds`` (popped per request; ``QUICK`` when none is
    left) on a fake clock, and the sizes asked for are kept."""

    def __init__(self, server: FakeServer) -> None:
        super().__init__(server)
        self.now = 0.0
        self.seconds: list[float] = []
        self.pushed: list[int] = []
        self.limits: list[int] = []

    def clock(self) -> float:
        return self.now

    def _take_time(self) -> None:
        self.now += self.seconds.pop(0) if self.seconds else QUICK

    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.pushed.append(len(changes))
        self._take_time()
        return super().push(device_id, changes)

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]:
        self.limits.append(limit)
        self._take_time()
        return super().pull(cursor, limit)


def small_paces() -> LinkPaces:
    return LinkPaces(LinkPace(first=2, least=1, most=8), LinkPace(first=2, least=1, most=8))


@pytest.fixture
def link(server: FakeServer) -> TimedLink:
    return TimedLink(server)


def engine_over(link: TimedLink, device_db: Any, paces: LinkPaces) -> SyncEngine:
    return SyncEngine(device_db, link, device_id="device-a", pace=paces, clock=link.clock)


def put_clients(server: FakeServer, make_client: Any, count: int) -> None:
    for number in range(count):
        server.put("client", f"c{number}", client_to_wire(make_client(id=f"c{number}")))


class TestOnePace:
    def test_quick_full_requests_double_the_size_up_to_its_largest(self) -> None:
        pace = LinkPace(first=25, least=5, most=150)
        sizes = []
        for _ in range(4):
            pace.answered(QUICK)
            sizes.append(pace.size)
        assert sizes == [50, 100, 150, 150]

    def test_a_quick_request_that_was_not_full_says_nothing_of_the_link(self) -> None:
        pace = LinkPace(first=25, least=5, most=150)
        pace.answered(QUICK, full=False)
        assert pace.size == 25

    def test_a_slow_request_or_a_lost_one_halves_the_size_down_to_its_smallest(self) -> None:
        pace = LinkPace(first=40, least=5, most=150)
        pace.answered(SLOW)
        pace.lost()
        after_two = pace.size
        pace.lost()
        pace.answered(SLOW, full=False)
        assert (after_two, pace.size) == (10, 5)

    def test_a_request_neither_quick_nor_slow_keeps_the_size(self) -> None:
        pace = LinkPace(first=40, least=5, most=150)
        pace.answered((QUICK_S + SLOW_S) / 2)
        assert pace.size == 40

    def test_a_fixed_pace_never_moves(self) -> None:
        pace = LinkPace.fixed(500)
        pace.answered(QUICK)
        pace.lost()
        assert pace.size == 500


class TestPush:
    def test_the_first_batch_is_small_and_the_next_ones_grow_while_the_link_answers_quickly(
        self, device_db, link, register
    ) -> None:
        for _ in range(13):
            register(id=str(uuid4()))

        engine_over(link, device_db, small_paces()).sync()

        assert link.pushed == [2, 4, 7]

    def test_a_slow_push_makes_the_next_one_smaller(self, device_db, link, register) -> None:
        for _ in range(8):
            register(id=str(uuid4()))
        link.seconds = [QUICK, SLOW]

        engine_over(link, device_db, small_paces()).sync()

        assert link.pushed == [2, 4, 2]

    def test_after_the_link_lost_a_push_the_next_sync_sends_half_as_much_again(self, device_db, link, register) -> None:
        paces = small_paces()
        for _ in range(6):
            register(id=str(uuid4()))
        engine_over(link, device_db, paces).sync()  # 2, then 4: the next push may hold 8
        for _ in range(8):
            register(id=str(uuid4()))
        link.failures["push"] = [Offline("cut"), Offline("cut")]
        for _ in range(2):
            with pytest.raises(Offline):
                engine_over(link, device_db, paces).sync()

        engine_over(link, device_db, paces).sync()

        assert link.pushed == [2, 4, 8, 4, 2, 4, 2]  # 8 lost, 4 lost; then 2, 4 and the 2 left

    def test_a_server_error_is_not_the_links_fault_and_keeps_the_size(self, device_db, link, register) -> None:
        for _ in range(2):
            register(id=str(uuid4()))
        paces = small_paces()
        link.failures["push"] = [ServerError("busy")]
        with pytest.raises(ServerError):
            engine_over(link, device_db, paces).sync()

        engine_over(link, device_db, paces).sync()

        assert link.pushed == [2, 2]  # not halved to 1
        assert paces.push.size == 4


class TestPull:
    def test_pages_grow_while_they_come_quickly_and_a_last_short_page_does_not_grow_them(
        self, device_db, link, server, make_client
    ) -> None:
        put_clients(server, make_client, 10)
        paces = small_paces()

        report = engine_over(link, device_db, paces).sync()

        assert (link.limits, report.pulled) == ([2, 4, 8], 10)
        assert paces.pull.size == 8

    def test_a_slow_page_halves_the_next(self, device_db, link, server, make_client) -> None:
        put_clients(server, make_client, 10)
        link.seconds = [QUICK, SLOW]

        report = engine_over(link, device_db, small_paces()).sync()

        assert (link.limits, report.pulled) == ([2, 4, 2, 4], 10)

    def test_a_page_the_link_lost_is_asked_for_again_half_as_large_from_the_last_stored_cursor(
        self, device_db, link, server, make_client
    ) -> None:
        put_clients(server, make_client, 10)
        paces = small_paces()
        calls = []

        def cut_the_third_page() -> None:
            calls.append(1)
            if len(calls) == 3:
                raise Offline("cut")

        link.pull_hook = cut_the_third_page
        with pytest.raises(Offline):
            engine_over(link, device_db, paces).sync()

        report = engine_over(link, device_db, paces).sync()

        assert link.limits == [2, 4, 8, 4]  # 2 and 4 stored, 8 lost, then the 4 left in one page of 4
        assert report.pulled == 4
        assert server.pulls == [None, "2:10", "6:10"]  # the lost page never reached the server; asked again
