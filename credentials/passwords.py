"""One way to hash and check passwords and PINs, used by the device and by the server.

Argon2id through argon2-cffi's ``PasswordHasher``: the hash string carries its salt and its cost, so the cost can be
raised by changing ``STANDARD_COST`` alone. A check says when a stored hash was made at another cost or by the
scrypt scheme Outpost used before, so the caller stores a fresh hash at that successful sign-in and old hashes fade
out without anyone resetting a password.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's first recommended Argon2id cost (19 MiB, 2 passes, 1 lane): tens of milliseconds to sign in, and costly
# for someone guessing against a copied database.
STANDARD_COST = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

_SCRYPT_PREFIX = "scrypt$"


@dataclass(frozen=True, slots=True)
class Check:
    """Whether the secret matched, and whether its stored hash should be replaced by ``hash_secret``'s."""

    matches: bool
    needs_rehash: bool = False


def hash_secret(secret: str) -> str:
    return STANDARD_COST.hash(secret)


def check_secret(secret: str, stored_hash: str) -> Check:
    """Compare ``secret`` with a stored hash; a malformed or unknown hash never matches."""
    if stored_hash.startswith(_SCRYPT_PREFIX):
        return Check(_scrypt_matches(secret, stored_hash), needs_rehash=True)
    try:
        STANDARD_COST.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return Check(False)
    return Check(True, needs_rehash=STANDARD_COST.check_needs_rehash(stored_hash))


def scrypt_hash_of(salt: bytes, key: bytes, *, n: int = 2**14, r: int = 8, p: int = 1) -> str:
    """The earlier scheme's fields as one hash string, for stores that kept the salt and key apart."""
    encode = base64.b64encode
    return f"{_SCRYPT_PREFIX}{n}${r}${p}${encode(salt).decode()}${encode(key).decode()}"


def _scrypt_matches(secret: str, stored_hash: str) -> bool:
    try:
        _, n, r, p, salt, key = stored_hash.split("$")
        expected = base64.b64decode(key, validate=True)
        actual = hashlib.scrypt(secret.encode("utf-8"), salt=base64.b64decode(salt, validate=True), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))  # fmt: skip
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@cache
def _decoy_hash() -> str:
    """Checked against when the account is unknown, so that answer takes as long as a wrong password does; made on
    first use, so the device (which never needs it) does not hash a decoy at start-up."""
    return hash_secret(secrets.token_urlsafe(16))


def spend_check_time(secret: str) -> None:
    """Do the work of a check for an account that does not exist, so timing reveals nothing."""
    check_secret(secret, _decoy_hash())
