"""How long a worker waits to unlock: opening their wrap of the data key (Argon2id at the key ring's cost) and
checking the app lock's PIN, each against the scrypt check the device already does for an offline sign-in, timed in
the same run so the ratio holds on any machine."""

import secrets
from pathlib import Path

from app.store.keyring import DEFAULT_KDF, Keyring, new_data_key
from app.usecases.accounts import hash_password
from app.usecases.app_lock import PIN_HASHER
from bench.measure import Figure, Latency, time_each
from bench.sizes import Sizes

# The wait at the lock, as a multiple of the offline sign-in's scrypt check (tens of milliseconds on an idle phone):
# at most 8 times that keeps an unlock under half a second there, while each guess at a copied key costs as much.
UNLOCK_TARGET_MULTIPLE = 8.0
_PASSWORD = "correct horse battery"


def unlock_figures(folder: Path, sizes: Sizes, _seed: int) -> list[Figure]:
    samples = 10 if sizes.mode == "full" else 3
    keyring = Keyring(folder / "unlock")
    keyring.path.parent.mkdir(parents=True, exist_ok=True)
    keyring.wrap("bench-worker", _PASSWORD, new_data_key())
    salt = secrets.token_bytes(16)
    floor = Latency.of(time_each(list(range(samples)), lambda _n: hash_password(_PASSWORD, salt)))
    unwrap = Latency.of(time_each(list(range(samples)), lambda _n: keyring.unwrap("bench-worker", _PASSWORD)))
    pin_hash = PIN_HASHER.hash("402918")
    pin = Latency.of(time_each(list(range(samples)), lambda _n: PIN_HASHER.verify(pin_hash, "402918")))
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


def _against_scrypt(name: str, measured: Latency, floor: Latency, note: str) -> Figure:
    return Figure(
        name=name,
        measured=measured.brief(),
        baseline=f"scrypt n=2^14 (offline sign-in check): {floor.brief()}",
        ratio=f"{measured.p50 / floor.p50:,.1f}× the scrypt check (p50)",
        target=f"p50 ≤ {UNLOCK_TARGET_MULTIPLE:.0f}× the scrypt check",
        met=measured.p50 <= UNLOCK_TARGET_MULTIPLE * floor.p50,
        note=note,
    )
