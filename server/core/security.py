"""Password hashing and sign-in tokens.

Passwords are hashed with scrypt (memory-hard, in the standard library) under a random salt, and compared in constant
time. Tokens are random strings handed to the device once; the server keeps only their SHA-256, so a copy of the
database does not let anyone sign in as a worker.
"""

import base64
import hashlib
import hmac
import secrets

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
_SCHEME = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES)


def hash_password(password: str) -> str:
    """A self-describing hash (``scrypt$n$r$p$salt$key``) so the cost can be raised later without breaking old ones."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join((_SCHEME, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(key)))


def verify_password(password: str, stored_hash: str) -> bool:
    """True when ``password`` matches; a malformed stored hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored_hash.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when the user ID is unknown, so that answer takes as long as a wrong password does.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


def spend_password_check_time(password: str) -> None:
    """Do the work of a password check for a user that does not exist, so timing reveals nothing."""
    verify_password(password, _DECOY_HASH)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_device_key() -> str:
    """32 random bytes, base64 (URL-safe, unpadded) for the wire."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
