"""``outpost-server``, with one thing added for tests: it can be stopped at a known point inside a push, with every
change of the push written and nothing committed yet.

Run as a script with the server's arguments and ``OUTPOST_PAUSE_FILE`` naming a file. A test arms the pause by
creating that file (``CommitPause.arm``). The next transaction that stores applied op_ids (a push's) then writes
``<file>.paused`` just before it commits, and waits there for good: the test reads the database from outside and
kills the process. The file is consumed, so the process started after the kill runs normally. Importing this module
changes nothing; only running it installs the pause.
"""

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

from server.cli import main
from server.models import AppliedOp

PAUSE_FILE_VARIABLE = "OUTPOST_PAUSE_FILE"
_STORES_APPLIED_OPS = f"INSERT INTO {AppliedOp.__tablename__} "
_WROTE_A_PUSH = "outpost_wrote_a_push"


def paused_marker(armed: Path) -> Path:
    """The file a paused server writes (holding its process id)."""
    return armed.with_name(armed.name + ".paused")


def install_pause(armed: Path) -> None:
    """Make every engine of this process pause before committing a push while ``armed`` exists."""

    def note_a_push(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(_STORES_APPLIED_OPS):
            connection.info[_WROTE_A_PUSH] = True

    def forget_a_push(connection: Connection) -> None:
        connection.info.pop(_WROTE_A_PUSH, None)

    def pause_before_a_push_commits(connection: Connection) -> None:
        """Runs before COMMIT is sent: the push holds SQLite's write lock, its rows written, none committed."""
        if not connection.info.pop(_WROTE_A_PUSH, False) or not armed.exists():
            return
        armed.unlink()
        paused_marker(armed).write_text(str(os.getpid()))
        while True:  # until the test kills this process
            time.sleep(3600)

    event.listen(Engine, "before_cursor_execute", note_a_push)
    event.listen(Engine, "rollback", forget_a_push)
    event.listen(Engine, "commit", pause_before_a_push_commits)


if __name__ == "__main__":
    install_pause(Path(os.environ[PAUSE_FILE_VARIABLE]))
    sys.exit(main())
