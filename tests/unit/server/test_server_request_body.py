"""Inflating gzip request bodies within a limit."""

import gzip

import pytest
from fastapi import HTTPException

from server.api.request_body import inflate_gzip


def test_a_gzip_body_inflates_to_its_content() -> None:
    assert inflate_gzip(gzip.compress(b'{"changes": []}'), limit=100) == b'{"changes": []}'


def test_content_past_the_limit_is_too_large() -> None:
    with pytest.raises(HTTPException) as refusal:
        inflate_gzip(gzip.compress(b"0" * 1001), limit=1000)
    assert refusal.value.status_code == 413
    assert inflate_gzip(gzip.compress(b"0" * 1000), limit=1000) == b"0" * 1000


@pytest.mark.parametrize(
    "raw",
    [b"not gzip at all", gzip.compress(b"x" * 500)[:20], gzip.compress(b"a") + b"trailing"],
    ids=["garbage", "cut short", "extra bytes"],
)
def test_anything_but_one_whole_gzip_stream_is_a_bad_request(raw: bytes) -> None:
    with pytest.raises(HTTPException) as refusal:
        inflate_gzip(raw, limit=10_000)
    assert refusal.value.status_code == 400
