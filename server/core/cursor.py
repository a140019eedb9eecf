"""Pull cursors: which change the device has seen, on which database.

A cursor carries the database's random epoch (made when the database was created) and a change sequence number:
the device holds every change up to it. A pull that started without a cursor (a new device, or one starting over
after a 410) is different until its last page: it has only part of the feed, so its cursors also carry ``since``,
the counter's value when that pull began, and the cursor its last page returns is an ordinary one again.

Devices treat a cursor as opaque text. One from another or rebuilt database, one ahead of this database (a restored
backup), or one that could have missed a removal the server has since forgotten (see server.retention) is refused,
so the device starts a full pull instead of silently missing changes. What a cursor could have missed starts at
``since`` (at ``seq`` for an ordinary one): a pull from the beginning is safe from everything forgotten before it
began, however many pages it takes.
"""

import re
from dataclasses import dataclass

_NUMBER = r"(0|[1-9][0-9]{0,18})"
_CURSOR = re.compile(rf"^([0-9a-f]{{8,64}})-{_NUMBER}(?:-{_NUMBER})?$")


class CursorNotRecognised(Exception):
    """The cursor was not made by this database, or not yet: the device must pull everything again."""


@dataclass(frozen=True, slots=True)
class Cursor:
    epoch: str
    seq: int
    since: int | None = None  # a pull from the beginning, under way: where the counter stood when it began

    @property
    def complete_from(self) -> int:
        """The change from which the device can have missed nothing."""
        return self.seq if self.since is None else self.since

    def encode(self) -> str:
        return f"{self.epoch}-{self.seq}" if self.since is None else f"{self.epoch}-{self.seq}-{self.since}"


def decode_cursor(text: str, *, epoch: str, last_seq: int, history_from_seq: int = 0) -> Cursor:
    """Read a cursor made by this database that can have missed nothing the server has forgotten; raises
    CursorNotRecognised for anything else."""
    match = _CURSOR.match(text)
    if match is None or match.group(1) != epoch:
        raise CursorNotRecognised("This cursor was not made by this server's database.")
    cursor = Cursor(epoch=epoch, seq=int(match.group(2)), since=int(match.group(3)) if match.group(3) else None)
    if max(cursor.seq, cursor.complete_from) > last_seq:
        raise CursorNotRecognised("This cursor is ahead of this server's database.")
    if cursor.complete_from < history_from_seq:
        raise CursorNotRecognised("This cursor is older than the changes this server still keeps.")
    return cursor
