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


@pytest.mark.parametrize("text", ["", "garbage", f"{EPOCH}", f"{EPOCH}-", f"{EPOCH}--1", f"{EPOCH}-01", f"{EPOCH}-1x"])
def test_malformed_cursors_are_not_recognised(text: str) -> None:
    with pytest.raises(CursorNotRecognised):
        decode_cursor(text, epoch=EPOCH, last_seq=10**6)
