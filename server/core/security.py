"""Sign-in tokens and device keys; passwords are hashed by ``credentials.passwords``, shared with the device.

Tokens are random strings handed to the device once; the server keeps only their SHA-256, so a copy of the
database does not let anyone sign in as a worker.
"""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_device_key() -> str:
    """32 random bytes, base64 (URL-safe, unpadded) for the wire."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
