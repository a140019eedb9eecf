"""Password hashes and token digests: what the server stores instead of secrets."""

from server.core.security import hash_password, new_token, token_digest, verify_password


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second
    assert verify_password("same password", first) and verify_password("same password", second)


def test_the_hash_does_not_contain_the_password() -> None:
    assert "hunter2-long" not in hash_password("hunter2-long")


def test_a_malformed_or_foreign_hash_never_verifies() -> None:
    for stored in ("", "plain-text", "bcrypt$1$2$3$c2FsdA==$a2V5", "scrypt$x$8$1$c2FsdA==$a2V5"):
        assert not verify_password("anything", stored)


def test_tokens_are_long_random_and_stored_only_as_a_digest() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 40
    digest = token_digest(token)
    assert digest == token_digest(token)
    assert token not in digest and len(digest) == 64
