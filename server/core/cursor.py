"""Pull cursors: which change the device has seen, on which database.

A cursor carries the database's random epoch (made when the database was created) and a change sequence number.
Devices treat it as opaque text. A cursor from another or rebuilt database, or one ahead of this database (a
restored backup), is refused so the device starts a full pull instead of silently missing changes.
"""

import re
from dataclasses import dataclass

_CURSOR = re.compile(r"^([0-9a-f]{8,64})-(0|[1-9][0-9]{0,18})$")


class CursorNotRecognised(Exception):
    """The cursor was not made by this database, or not yet: the device must pull everything again."""


@dataclass(frozen=True, slots=True)
class Cursor:
    epoch: str
    seq: int

    def encode(self) -> str:
        return f"{self.epoch}-{self.seq}"


def decode_cursor(text: str, *, epoch: str, last_seq: int) -> Cursor:
    """Read a cursor made by this database; raises CursorNotRecognised for anything else."""
    match = _CURSOR.match(text)
    if match is None or match.group(1) != epoch:
        raise CursorNotRecognised("This cursor was not made by this server's database.")
    seq = int(match.group(2))
    if seq > last_seq:
        raise CursorNotRecognised("This cursor is ahead of this server's database.")
    return Cursor(epoch=epoch, seq=seq)
