"""How long a worker waits to unlock: opening their wrap of the data key (Argon2id at the key ring's cost) and
checking the app lock's PIN (the Argon2id check of ``credentials.passwords``), each against a fixed memory-hard
reference, scrypt n=2^14 (the device's offline sign-in check before Argon2id), timed in the same run so the ratio
holds on any machine."""

import hashlib
import secrets
from pathlib import Path

from app.store.keyring import DEFAULT_KDF, Keyring, new_data_key
from bench.measure import Figure, Latency, time_each
from bench.sizes import Sizes
from credentials.passwords import check_secret, hash_secret

# The wait at the lock, as a multiple of the scrypt reference (tens of milliseconds on an idle phone):
# at most 8 times that keeps an unlock under half a second there, while each guess at a copied key costs as much.
UNLOCK_TARGET_MULTIPLE = 8.0
_PASSWORD = "correct horse battery"


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
    ]


def _scrypt_reference(salt: bytes) -> bytes:
    return hashlib.scrypt(_PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _against_scrypt(name: str, measured: Latency, floor: Latency, note: str) -> Figure:
    return Figure(
        name=name,
        measured=measured.brief(),
        baseline=f"scrypt n=2^14 (reference): {floor.brief()}",
        ratio=f"{measured.p50 / floor.p50:,.1f}× the scrypt check (p50)",
        target=f"p50 ≤ {UNLOCK_TARGET_MULTIPLE:.0f}× the scrypt check",
        met=measured.p50 <= UNLOCK_TARGET_MULTIPLE * floor.p50,
        note=note,
    )
