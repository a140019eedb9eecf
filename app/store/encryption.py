"""The device database encrypted at rest with SQLCipher, and the one-time encryption of a store from before.

SQLCipher encrypts every page SQLite writes with AES-256 under the data key (see ``keyring``): tables, indexes, the
search terms, the write-ahead log and rollback journals alike; temporary tables and sorts stay in memory
(``temp_store=MEMORY``), so no file holds a page in clear. The key is given as raw bytes (``x'…'``), so opening a
connection costs no key derivation: the slow derivation happens once, when a worker's wrap is opened.

A store written by an earlier version of the app is a plain SQLite file. It is encrypted in place on the first
sign-in after the upgrade, keeping every row (the outbox of unsent changes included), in steps that survive a power
cut at any point: the encrypted copy is written beside the file and made durable, then swapped in by renames, and
only then is the plain copy overwritten and deleted (``finish_interrupted_encryption`` completes whichever step a cut
interrupted). Overwriting is best effort: flash storage may keep old blocks, which the platform's own storage
encryption (on by default on current Android and iOS devices) covers.
"""

import contextlib
import os
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

PLAIN_HEADER = b"SQLite format 3\x00"
_STAGING_SUFFIX = ".encrypting"
_PLAIN_SUFFIX = ".plain"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SHRED_CHUNK = 1 << 20


class WrongKey(Exception):
    """The key does not open this database (or the file is not a database at all)."""


def dbapi() -> Any:
    """The DB-API module that opens encrypted databases (SQLCipher's build of SQLite)."""
    return sqlcipher


def is_plain(path: Path) -> bool:
    """True when ``path`` is an unencrypted SQLite database (an encrypted one starts with random bytes)."""
    try:
        with open(path, "rb") as file:
            return file.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def unlock(dbapi_connection: Any, key: bytes) -> None:
    """Give a fresh connection its key; must run before anything else touches the database.

    Raises WrongKey when the key does not open it (SQLCipher only finds out at the first read).
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlcipher.DatabaseError as problem:
        raise WrongKey(str(problem)) from problem
    finally:
        cursor.close()


def encrypt_in_place(path: Path, key: bytes) -> None:
    """Encrypt the plain database at ``path`` under ``key``, keeping every row; nobody may have it open."""
    finish_interrupted_encryption(path)
    staging = _beside(path, _STAGING_SUFFIX)
    plain = sqlcipher.connect(str(path), isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every committed change into the main file first
        user_version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(staging),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(user_version)}")
        plain.execute("DETACH DATABASE encrypted")
    except BaseException:
        plain.close()
        staging.unlink(missing_ok=True)
        raise
    plain.close()
    _fsync(staging)
    _remove_side_files(path)  # checkpointed: they hold nothing the main file lacks, and must not meet the new file
    os.replace(path, _beside(path, _PLAIN_SUFFIX))
    os.replace(staging, path)
    fsync_folder(path.parent)
    finish_interrupted_encryption(path)


def finish_interrupted_encryption(path: Path) -> None:
    """Complete or undo an encryption a power cut interrupted, and destroy the plain copy it left.

    An encrypted copy beside a database that is still in place is unfinished: it goes. With no database in place,
    the copy was complete (it is renamed only once durable) and takes its place.
    """
    staging, plain = _beside(path, _STAGING_SUFFIX), _beside(path, _PLAIN_SUFFIX)
    if staging.exists():
        if path.exists():
            staging.unlink()
        else:
            os.replace(staging, path)
        fsync_folder(path.parent)
    if plain.exists():
        shred(plain)


def shred(path: Path) -> None:
    """Overwrite a file with zeros, make that durable, then delete it (best effort on flash storage)."""
    with contextlib.suppress(FileNotFoundError), open(path, "r+b") as file:
        remaining = os.fstat(file.fileno()).st_size
        zeros = bytes(_SHRED_CHUNK)
        while remaining > 0:
            remaining -= file.write(zeros[: min(remaining, _SHRED_CHUNK)])
        file.flush()
        os.fsync(file.fileno())
    path.unlink(missing_ok=True)
    fsync_folder(path.parent)


def delete_database(path: Path) -> None:
    """Shred the database and its journal files (a revoked device, or one nobody can open any more)."""
    for candidate in (path, *(_beside(path, suffix) for suffix in (*_SIDE_FILES, _STAGING_SUFFIX, _PLAIN_SUFFIX))):
        shred(candidate)


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove_side_files(path: Path) -> None:
    for suffix in _SIDE_FILES:
        _beside(path, suffix).unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def replace_durably(path: Path, text: str) -> None:
    """Replace the file at ``path`` with ``text`` atomically and durably: a power cut leaves the old file or the new
    one, never half of either."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a deletion in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
