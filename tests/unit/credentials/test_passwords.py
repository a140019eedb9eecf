"""Password and PIN hashes, on the device and the server alike: what is stored instead of the secret."""

import base64
import hashlib

from argon2 import PasswordHasher

from credentials.passwords import Check, check_secret, hash_secret, scrypt_hash_of
from server.core.security import new_token, token_digest


def _scrypt_hash(secret: str, salt: bytes = b"0123456789abcdef") -> str:
    """A hash as Outpost stored passwords before Argon2id (scrypt, n=2**14, r=8, p=1)."""
    key = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return scrypt_hash_of(salt, key)


def test_the_right_secret_matches_and_a_wrong_one_does_not() -> None:
    stored = hash_secret("correct horse battery")
    assert check_secret("correct horse battery", stored).matches
    assert not check_secret("correct horse batterY", stored).matches
    assert not check_secret("", stored).matches


def test_the_same_secret_hashes_differently_each_time_and_never_shows_in_its_hash() -> None:
    first, second = hash_secret("hunter2-long"), hash_secret("hunter2-long")
    assert first != second and "hunter2-long" not in first
    assert check_secret("hunter2-long", first).matches and check_secret("hunter2-long", second).matches


def test_a_hash_at_todays_cost_needs_no_rehash() -> None:
    assert check_secret("402918", hash_secret("402918")) == Check(matches=True, needs_rehash=False)


def test_a_hash_at_an_older_cost_matches_and_asks_for_a_fresh_one() -> None:
    cheaper = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("old password")
    check = check_secret("old password", cheaper)
    assert check.matches and check.needs_rehash
    assert not check_secret("wrong", cheaper).matches


def test_a_password_stored_by_the_earlier_scrypt_scheme_still_signs_in_and_asks_for_a_fresh_hash() -> None:
    stored = _scrypt_hash("kept since last year")
    check = check_secret("kept since last year", stored)
    assert check.matches and check.needs_rehash
    assert not check_secret("kept since last yeaR", stored).matches


def test_a_malformed_or_foreign_hash_never_matches() -> None:
    salt = base64.b64encode(b"salt").decode()
    for stored in ("", "plain-text", f"bcrypt$1$2$3${salt}$a2V5", f"scrypt$x$8$1${salt}$a2V5", "scrypt$1$2",
                   "$argon2id$v=19$m=19456,t=2,p=1$bad"):  # fmt: skip
        assert not check_secret("anything", stored).matches


def test_tokens_are_long_random_and_stored_only_as_a_digest() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 40
    digest = token_digest(token)
    assert digest == token_digest(token)
    assert token not in digest and len(digest) == 64
