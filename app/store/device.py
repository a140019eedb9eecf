"""One device's data folder: the plain settings, the key ring, and the device store, opened only with its key.

The app starts with the store closed: the sign-in screen needs only ``settings`` (see ``settings``). A sign-in (or an
unlock after a restart, which is a sign-in) unwraps the data key from ``keyring`` and opens the store encrypted; it
stays open, shared by the process's windows, until a worker signs out or switches worker (``close``) or the app
closes. A plain store left by an earlier version is
encrypted in place when it is first opened with a key.
"""

import os
import threading
from pathlib import Path

from app.store import encryption
from app.store.db import DB_FILENAME, DeviceDatabase, data_dir
from app.store.keyring import DEFAULT_KDF, KdfParams, Keyring
from app.store.settings import DeviceSettings


class DeviceStore:
    """The data folder of this device. Safe to share between the threads and sessions of one process."""

    def __init__(self, folder: Path, *, kdf: KdfParams = DEFAULT_KDF):
        self.folder = folder
        self.path = folder / DB_FILENAME
        self.settings = DeviceSettings(folder)
        self.keyring = Keyring(folder, kdf=kdf)
        self._database: DeviceDatabase | None = None
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self.opening = threading.Lock()
        """Held by a sign-in from finding the key to opening the store, so two windows signing in at once on a new
        device do not each make a key."""
        encryption.finish_interrupted_encryption(self.path)
        self.settings.adopt_plain_store(self.path)

    @classmethod
    def open(cls, folder: str | os.PathLike[str] | None = None) -> "DeviceStore":
        """The device store in ``folder`` (see ``db.data_dir`` for the default), still closed."""
        return cls(data_dir(folder))

    @property
    def database(self) -> DeviceDatabase | None:
        """The open store, or None until a worker's sign-in has opened it."""
        return self._database

    @property
    def key(self) -> bytes | None:
        """The data key, while the store is open (to wrap it for a worker who signs in)."""
        return self._key

    def holds_plain_store(self) -> bool:
        """True when the store on disk is an unencrypted one from an earlier version."""
        return encryption.is_plain(self.path)

    def holds_encrypted_store(self) -> bool:
        return self.path.exists() and not encryption.is_plain(self.path)

    def open_plain(self) -> DeviceDatabase:
        """The plain store from an earlier version, opened to check an offline sign-in before encrypting it."""
        if not self.holds_plain_store():
            raise FileNotFoundError(self.path)
        return DeviceDatabase(self.path)

    def open_with(self, key: bytes) -> DeviceDatabase:
        """Open the store under ``key`` (made if there is none; a plain one is encrypted in place first, keeping
        every row and queued change). Raises ``encryption.WrongKey`` when the key does not open it."""
        with self._lock:
            if self._database is not None:
                return self._database
            if self.holds_plain_store():
                encryption.encrypt_in_place(self.path, key)
            self._database = DeviceDatabase(self.path, key=key)
            self._key = key
            return self._database

    def delete(self) -> None:
        """Destroy the store and every wrap of its key (a revoked device, or a store no key opens any more). The
        settings stay: the device keeps its id, so the server goes on knowing it."""
        with self._lock:
            if self._database is not None:
                self._database.close()
            self._database = self._key = None
            encryption.delete_database(self.path)
            self.keyring.destroy()

    def close(self) -> None:
        with self._lock:
            if self._database is not None:
                self._database.close()
            self._database = self._key = None
