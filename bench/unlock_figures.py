"""How long a worker waits to unlock: opening their wrap of the data key (Argon2id at the key ring's cost),
checking the app lock's PIN (the Argon2id check of ``credentials.passwords``), and a whole sign-in after a restart
that opens the encrypted store (the wrap, the device's copy of the password, SQLCipher's first read and the schema
check), each against a fixed memory-hard reference, scrypt n=2^14 (the device's offline sign-in check before
Argon2id), timed in the same run so the ratio holds on any machine."""

import hashlib
import secrets
from pathlib import Path
from typing import Any

from app.store.device import DeviceStore
from app.store.keyring import DEFAULT_KDF, Keyring, new_data_key
from app.usecases.device_sign_in import sign_in_on_device
from bench.measure import Figure, Latency, time_each
from bench.sizes import Sizes
from credentials.passwords import check_secret, hash_secret
from sync.transport import Offline

# The wait at the lock, as a multiple of the scrypt reference (tens of milliseconds on an idle phone):
# at most 8 times that keeps an unlock under half a second there, while each guess at a copied key costs as much.
UNLOCK_TARGET_MULTIPLE = 8.0
# A sign-in after a restart does the unlock above, then checks the device's copy of the password and opens the store:
# at most 12 times the reference keeps it under a second on that phone.
SIGN_IN_TARGET_MULTIPLE = 12.0
_PASSWORD = "correct horse battery"
_WORKER = "bench-worker"


def unlock_figures(folder: Path, sizes: Sizes, _seed: int) -> list[Figure]:
    samples = 10 if sizes.mode == "full" else 3
    keyring = Keyring(folder / "unlock")
    keyring.path.parent.mkdir(parents=True, exist_ok=True)
    keyring.wrap("bench-worker", _PASSWORD, new_data_key())
    salt = secrets.token_bytes(16)
    floor = Latency.of(time_each(list(range(samples)), lambda _n: _scrypt_reference(salt)))
    unwrap = Latency.of(time_each(list(range(samples)), lambda _n: keyring.unwrap("bench-worker", _PASSWORD)))
    pin_hash = hash_secret("402918")
    pin = Latency.of(time_each(list(range(samples)), lambda _n: check_secret("402918", pin_hash)))
    (folder / "restart").mkdir(parents=True, exist_ok=True)  # --work-dir keeps it from an earlier run
    _sign_in(folder / "restart", _BenchServer)  # the first sign-in needs the server; the ones timed do without
    restart = Latency.of(time_each(list(range(samples)), lambda _n: _sign_in(folder / "restart", _NoSignal)))
    kdf = DEFAULT_KDF
    password_name = (
        f"Unlock the data key with a password (Argon2id {kdf.memory_cost // 1024} MiB, {kdf.time_cost} passes, "
        f"{kdf.parallelism} lanes, then AES-GCM)"
    )
    return [
        _against_scrypt(password_name, unwrap, floor, f"{samples} unlocks; each guess at a copied key costs the same"),
        _against_scrypt(
            "Unlock the app lock with the PIN (Argon2id 19 MiB, 2 passes)", pin, floor, f"{samples} checks"
        ),
        _against_scrypt(
            "Sign in offline after a restart: unwrap the key, check the password, open the encrypted store",
            restart,
            floor,
            f"{samples} sign-ins, each on a store closed as at start-up",
            target=SIGN_IN_TARGET_MULTIPLE,
        ),
    ]


class _BenchServer:
    """Answers a sign-in as the central server does."""

    def __init__(self, _server_url: str, token: str | None = None):
        self.token = token

    def login(self, user_id: str, _password: str, _device_id: str, _device_name: str) -> dict[str, Any]:
        worker = {"user_id": user_id, "name": "Bench Worker", "role": "worker", "agency_id": "bench"}
        return {"token": "bench", "worker": worker, "agency": {"id": "bench", "name": "Bench"},
                "device_key": secrets.token_urlsafe(32)}  # fmt: skip

    def logout(self) -> None:
        pass


class _NoSignal(_BenchServer):
    """A tablet without signal: the server cannot be reached."""

    def login(self, user_id: str, _password: str, _device_id: str, _device_name: str) -> dict[str, Any]:
        raise Offline("no signal")


def _sign_in(folder: Path, server: type[_BenchServer]) -> None:
    """A sign-in on the store in ``folder`` as the app finds it at start (closed), closed again afterwards."""
    store = DeviceStore(folder)
    try:
        sign_in_on_device(store, server, "https://bench.invalid", _WORKER, _PASSWORD, "bench tablet")
    finally:
        store.close()


def _scrypt_reference(salt: bytes) -> bytes:
    return hashlib.scrypt(_PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _against_scrypt(
    name: str, measured: Latency, floor: Latency, note: str, *, target: float = UNLOCK_TARGET_MULTIPLE
) -> Figure:
    return Figure(
        name=name,
        measured=measured.brief(),
        baseline=f"scrypt n=2^14 (reference): {floor.brief()}",
        ratio=f"{measured.p50 / floor.p50:,.1f}× the scrypt check (p50)",
        target=f"p50 ≤ {target:.0f}× the scrypt check",
        met=measured.p50 <= target * floor.p50,
        note=note,
    )
