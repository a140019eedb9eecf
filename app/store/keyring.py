"""The device database's key, kept on disk only wrapped: once per worker (by their password) and once by the device
key the server hands out at sign-in.

The database is encrypted under one random 256-bit data key made on the device. It never touches the disk as it is:
``keys.json`` beside the database holds it encrypted (AES-256-GCM) under a key-encryption key derived from each
worker's password with Argon2id, the derivation's parameters and salt stored beside each wrap so they can be raised
later (a wrap made with weaker ones is made again at the worker's next sign-in). The worker's user ID is bound into
each wrap, so a wrap copied under another name does not open.

A second kind of wrap is under the device key the server gives a signed-in worker of a device it has not revoked.
It lets a worker who has no wrap on this tablet yet (a colleague sharing it, a password reset by the administrator,
a device upgraded from an unencrypted store) open the store after an online sign-in. Anyone with a stolen tablet
needs a worker's password and the server's consent for that, and a revoked tablet gets neither.

Wrong passwords are counted per worker in the file; at the domain's ``MAX_PASSWORD_FAILURES`` in a row (the same
count as the app lock's) that worker's wrap is removed (the count slows guessing on the device itself; a copied
file is guarded by Argon2id's cost alone).
"""

import base64
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.domain.device_access import password_failures_exhausted
from app.store.encryption import fsync_folder, replace_durably

KEYRING_FILENAME = "keys.json"
DATA_KEY_BYTES = 32
_FORMAT = 1
_SALT_BYTES = 16
_NONCE_BYTES = 12
_DEVICE_WRAP = "device"


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id's cost: passes over memory, memory in KiB, lanes. Stored with each wrap."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 4

    def weaker_than(self, other: "KdfParams") -> bool:
        return self.time_cost < other.time_cost or self.memory_cost < other.memory_cost


# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): within a phone's memory, about half a second.
DEFAULT_KDF = KdfParams()


class WrongPassword(Exception):
    """The password does not open this worker's wrap; ``removed`` when that was one failure too many."""

    def __init__(self, failures: int, removed: bool):
        super().__init__("Wrong password" + (": this worker's key was removed from the device" if removed else ""))
        self.failures = failures
        self.removed = removed


class NoWrap(Exception):
    """This worker (or the device key) has no wrap of the data key on this device."""


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def derive_key(secret: str, salt: bytes, params: KdfParams) -> bytes:
    """The key-encryption key for ``secret`` (a password): Argon2id with ``params``. Deliberately slow."""
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=DATA_KEY_BYTES,
        type=Type.ID,
    )


class Keyring:
    """``keys.json``: the wraps of one device's data key. Safe to share between threads of one process."""

    def __init__(self, folder: Path, *, kdf: KdfParams = DEFAULT_KDF):
        self.path = folder / KEYRING_FILENAME
        self.kdf = kdf
        self._lock = threading.Lock()

    # --- what is there --------------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def workers(self) -> list[str]:
        """The workers who can open the store with their password on this device."""
        return sorted(self._read()["workers"])

    def has_wrap(self, user_id: str) -> bool:
        return user_id in self._read()["workers"]

    def needs_stronger_wrap(self, user_id: str) -> bool:
        """True when this worker's wrap was made with a weaker derivation than the current one."""
        wrap = self._read()["workers"].get(user_id)
        return wrap is not None and KdfParams(**wrap["kdf"]).weaker_than(self.kdf)

    # --- workers' wraps -------------------------------------------------------------------------------------------

    def unwrap(self, user_id: str, password: str) -> bytes:
        """The data key, opened with this worker's password.

        Raises NoWrap, or WrongPassword after counting the failure (removing the wrap at the limit). A success
        clears the count.
        """
        with self._lock:
            state = self._read()
            wrap = state["workers"].get(user_id)
            if wrap is None:
                raise NoWrap(user_id)
            salt = _unb64(wrap["salt"])
            try:
                data_key = _open(derive_key(password, salt, KdfParams(**wrap["kdf"])), wrap, _aad(user_id))
            except InvalidTag:
                wrap["failures"] = wrap.get("failures", 0) + 1
                removed = password_failures_exhausted(wrap["failures"])
                if removed:
                    del state["workers"][user_id]
                self._write(state)
                raise WrongPassword(wrap["failures"], removed) from None
            if wrap.get("failures"):
                wrap["failures"] = 0
                self._write(state)
            return data_key

    def wrap(self, user_id: str, password: str, data_key: bytes) -> None:
        """Store ``data_key`` wrapped by this worker's password (replacing any wrap they had)."""
        salt = secrets.token_bytes(_SALT_BYTES)
        sealed = _seal(derive_key(password, salt, self.kdf), data_key, _aad(user_id))
        with self._lock:
            state = self._read()
            state["workers"][user_id] = {"kdf": asdict(self.kdf), "salt": _b64(salt), **sealed, "failures": 0}
            self._write(state)

    def remove(self, user_id: str) -> None:
        with self._lock:
            state = self._read()
            if state["workers"].pop(user_id, None) is not None:
                self._write(state)

    # --- the device key's wrap ------------------------------------------------------------------------------------

    def unwrap_with_device_key(self, device_key: bytes) -> bytes:
        """The data key, opened with the device key from the server; raises NoWrap when it does not open."""
        wrap = self._read().get(_DEVICE_WRAP)
        if wrap is None:
            raise NoWrap(_DEVICE_WRAP)
        try:
            return _open(_expand(device_key), wrap, _aad(_DEVICE_WRAP))
        except InvalidTag:
            raise NoWrap(_DEVICE_WRAP) from None

    def wrap_with_device_key(self, device_key: bytes, data_key: bytes) -> None:
        sealed = _seal(_expand(device_key), data_key, _aad(_DEVICE_WRAP))
        with self._lock:
            state = self._read()
            state[_DEVICE_WRAP] = sealed
            self._write(state)

    # --- the whole file -------------------------------------------------------------------------------------------

    def destroy(self) -> None:
        """Forget every wrap: the data key can no longer be recovered from this device."""
        with self._lock:
            self.path.unlink(missing_ok=True)
            fsync_folder(self.path.parent)

    def _read(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": _FORMAT, "workers": {}}
        if state.get("format") != _FORMAT:
            raise ValueError(f"{self.path} is not a key file this app understands.")
        return state

    def _write(self, state: dict[str, Any]) -> None:
        replace_durably(self.path, json.dumps(state, indent=1, sort_keys=True))


def _aad(owner: str) -> bytes:
    return f"outpost data key for {owner}".encode()


def _seal(key: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return {"nonce": _b64(nonce), "wrapped": _b64(AESGCM(key).encrypt(nonce, data_key, aad))}


def _open(key: bytes, wrap: dict[str, Any], aad: bytes) -> bytes:
    return AESGCM(key).decrypt(_unb64(wrap["nonce"]), _unb64(wrap["wrapped"]), aad)


def _expand(device_key: bytes) -> bytes:
    """The device key is already random: HKDF only separates its use here from any other."""
    return HKDF(algorithm=hashes.SHA256(), length=DATA_KEY_BYTES, salt=None, info=b"outpost device wrap").derive(
        device_key
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)
