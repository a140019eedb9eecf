"""One sync at a time per device database, even across runners, threads or processes.

An OS file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) next to the database file: the operating system
drops it if the process dies, so a crash never leaves the device unable to sync.
"""

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Self

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only (and checked by mypy only there)
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class SyncBusy(Exception):
    """Another sync of this device database is running; this one did nothing."""


class DeviceSyncLock:
    """``with DeviceSyncLock(path):`` holds the lock or raises SyncBusy at once (it never waits)."""

    def __init__(self, database_path: Path):
        self.path = database_path.with_name(database_path.name + ".sync-lock")
        self._fd: int | None = None

    def __enter__(self) -> Self:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            raise SyncBusy("Another sync of this device is running.")
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
