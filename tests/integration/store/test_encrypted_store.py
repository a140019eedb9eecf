"""The device database at rest: every file under the data folder is ciphertext, only the data key opens it, and a
store from before encryption is encrypted in place without losing a queued change."""

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.clients import Client
from app.store import encryption
from app.store.db import DB_FILENAME, DeviceDatabase
from app.store.keyring import new_data_key
from app.store.models import OutboxRow
from app.usecases.clients import load_client, register_client, search_clients
from app.usecases.context import Actor

# A name no test data or dictionary holds, so finding it on disk can only mean a leak.
DISTINCTIVE = "Quenbrzetha"


def files_holding(folder: Path, text: str) -> list[str]:
    """The files under ``folder`` that contain ``text`` in UTF-8 or UTF-16 (either byte order)."""
    needles = [text.encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")]
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(path.name)
    return found


def register(db: DeviceDatabase, worker: Actor, make_client: Callable[..., Client]) -> str:
    draft = make_client(id="", first_name=DISTINCTIVE, last_name="Ostrowa", phone="")
    registration = register_client(db, worker, draft, ignore_duplicates=True)
    assert registration.client is not None
    return registration.client.id


def test_no_file_holds_client_data_and_only_the_key_opens_the_store(tmp_path: Path, worker: Actor, make_client) -> None:
    key = new_data_key()
    db = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    client_id = register(db, worker, make_client)  # the client row, its search terms and the outbox entry
    assert files_holding(tmp_path, DISTINCTIVE) == []  # WAL and shared memory included, while open
    db.close()

    assert files_holding(tmp_path, DISTINCTIVE) == []
    assert not encryption.is_plain(tmp_path / DB_FILENAME)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / DB_FILENAME).execute("SELECT * FROM client").fetchall()
    with pytest.raises(encryption.WrongKey):
        DeviceDatabase(tmp_path / DB_FILENAME, key=new_data_key())
    reopened = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    assert [found.id for found in search_clients(reopened, DISTINCTIVE[:4])] == [client_id]
    reopened.close()


def test_a_store_from_before_is_encrypted_in_place_with_its_queued_changes(
    tmp_path: Path, worker: Actor, make_client
) -> None:
    plain = DeviceDatabase(tmp_path / DB_FILENAME)
    client_id = register(plain, worker, make_client)
    plain.close()
    assert encryption.is_plain(tmp_path / DB_FILENAME) and files_holding(tmp_path, DISTINCTIVE)

    key = new_data_key()
    encryption.encrypt_in_place(tmp_path / DB_FILENAME, key)

    assert sorted(path.name for path in tmp_path.iterdir()) == [DB_FILENAME]
    assert files_holding(tmp_path, DISTINCTIVE) == []
    encrypted = DeviceDatabase(tmp_path / DB_FILENAME, key=key)
    assert load_client(encrypted, client_id).first_name == DISTINCTIVE
    assert encrypted_outbox(encrypted) == [client_id]
    encrypted.close()


def encrypted_outbox(db: DeviceDatabase) -> list[str]:
    with db.reads() as tx:
        return [row.record_id for row in tx.query(OutboxRow).all()]


def test_an_encryption_cut_short_is_undone_or_completed_at_the_next_try(tmp_path: Path, worker, make_client) -> None:
    path = tmp_path / DB_FILENAME
    plain = DeviceDatabase(path)
    client_id = register(plain, worker, make_client)
    plain.close()
    key = new_data_key()

    (tmp_path / f"{DB_FILENAME}.encrypting").write_bytes(os.urandom(4096))  # cut while writing the copy
    encryption.finish_interrupted_encryption(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME] and encryption.is_plain(path)

    encryption.encrypt_in_place(path, key)  # now cut between the two renames: the plain file set aside
    os.replace(path, tmp_path / f"{DB_FILENAME}.encrypting")
    (tmp_path / f"{DB_FILENAME}.plain").write_bytes(DISTINCTIVE.encode())
    encryption.finish_interrupted_encryption(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME]
    assert files_holding(tmp_path, DISTINCTIVE) == []
    reopened = DeviceDatabase(path, key=key)
    assert load_client(reopened, client_id).first_name == DISTINCTIVE
    reopened.close()
