"""What the device needs before anyone signs in, kept in a small plain file beside the encrypted store.

The device store is encrypted and opens only once a worker's sign-in has given its key (see ``device``). The sign-in
screen still needs a few things first: the device's id (the server knows the device by it, and refuses a revoked
one whoever signs in), the server last signed in to, and the language last chosen on that screen. They live in
``settings.json``, which holds nothing about clients or workers.

A device upgraded from a version that kept these in its (then plain) store takes them from there once.
"""

import json
import sqlite3
import threading
import uuid
from contextlib import closing
from pathlib import Path

from app.store.encryption import is_plain, replace_durably
from app.store.repositories import SyncKey

SETTINGS_FILENAME = "settings.json"
DEVICE_ID = SyncKey.DEVICE_ID
SERVER_URL = SyncKey.SERVER_URL
LANGUAGE = "language"
_NAMES = (DEVICE_ID, SERVER_URL, LANGUAGE)


class DeviceSettings:
    """``settings.json``: the device id, the server and the sign-in screen's language. Safe to share between threads."""

    def __init__(self, folder: Path):
        self.path = folder / SETTINGS_FILENAME
        self._lock = threading.Lock()

    def get(self, name: str) -> str:
        """The setting called ``name`` (one of ``DEVICE_ID``, ``SERVER_URL``, ``LANGUAGE``), or "" if never set."""
        return self._read().get(name, "")

    def set(self, name: str, value: str) -> None:
        if name not in _NAMES:
            raise KeyError(name)
        with self._lock:
            state = self._read()
            if state.get(name) != value:
                state[name] = value
                self._write(state)

    def device_id(self) -> str:
        """This device's id: made once (a random UUID), then always the same, even after a wipe."""
        with self._lock:
            state = self._read()
            if not state.get(DEVICE_ID):
                state[DEVICE_ID] = str(uuid.uuid4())
                self._write(state)
            return state[DEVICE_ID]

    def adopt_plain_store(self, database: Path) -> None:
        """On a device upgraded from a plain store and not yet given this file: copy the settings from the store."""
        if self.path.exists() or not is_plain(database):
            return
        query = f"SELECT key, value FROM sync_state WHERE key IN ({', '.join('?' * len(_NAMES))})"
        try:
            with closing(sqlite3.connect(database)) as connection:
                rows = connection.execute(query, _NAMES).fetchall()
        except sqlite3.DatabaseError:  # a store from before the table existed holds none of them
            rows = []
        with self._lock:
            self._write({key: value for key, value in rows if value})

    def _read(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def _write(self, state: dict[str, str]) -> None:
        replace_durably(self.path, json.dumps(state, indent=1, sort_keys=True))
