"""Pull cursors name their database, so a device never trusts a position in some other database."""

import pytest

from server.core.cursor import Cursor, CursorNotRecognised, decode_cursor

EPOCH = "3f2a9b1c7d4e5f60"


def test_a_cursor_reads_back_as_made() -> None:
    text = Cursor(epoch=EPOCH, seq=1234).encode()
    assert decode_cursor(text, epoch=EPOCH, last_seq=5000) == Cursor(epoch=EPOCH, seq=1234)
    assert decode_cursor(Cursor(EPOCH, 0).encode(), epoch=EPOCH, last_seq=0).seq == 0


def test_a_cursor_of_another_database_is_not_recognised() -> None:
    text = Cursor(epoch="0123456789abcdef", seq=10).encode()
    with pytest.raises(CursorNotRecognised):
        decode_cursor(text, epoch=EPOCH, last_seq=5000)


def test_a_cursor_ahead_of_the_database_is_not_recognised() -> None:
    with pytest.raises(CursorNotRecognised):
        decode_cursor(Cursor(EPOCH, 11).encode(), epoch=EPOCH, last_seq=10)


def test_a_cursor_from_before_forgotten_history_is_not_recognised_and_one_at_its_edge_is() -> None:
    with pytest.raises(CursorNotRecognised, match="older than the changes this server still keeps"):
        decode_cursor(Cursor(EPOCH, 6).encode(), epoch=EPOCH, last_seq=10, history_from_seq=7)
    assert decode_cursor(Cursor(EPOCH, 7).encode(), epoch=EPOCH, last_seq=10, history_from_seq=7).seq == 7


def test_a_pull_from_the_beginning_is_judged_by_where_it_began_not_by_its_pages() -> None:
    """Its pages are old, but it began after everything forgotten: it goes on (else it would start over forever)."""
    under_way = Cursor(EPOCH, 3, since=8)
    assert decode_cursor(under_way.encode(), epoch=EPOCH, last_seq=10, history_from_seq=7) == under_way
    with pytest.raises(CursorNotRecognised):
        decode_cursor(Cursor(EPOCH, 3, since=6).encode(), epoch=EPOCH, last_seq=10, history_from_seq=7)
    with pytest.raises(CursorNotRecognised):
        decode_cursor(Cursor(EPOCH, 3, since=11).encode(), epoch=EPOCH, last_seq=10)


MALFORMED = ["", "garbage", f"{EPOCH}", f"{EPOCH}-", f"{EPOCH}--1", f"{EPOCH}-01", f"{EPOCH}-1x", f"{EPOCH}-1-",
             f"{EPOCH}-1-2-3"]  # fmt: skip


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_cursors_are_not_recognised(text: str) -> None:
    with pytest.raises(CursorNotRecognised):
        decode_cursor(text, epoch=EPOCH, last_seq=10**6)
