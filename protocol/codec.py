"""JSON text in and out, through orjson.

Records travel and rest as JSON: outbox payloads and pushed bodies on the device, stored records on the server.
orjson writes compact JSON (no spaces), which every reader accepts.
"""

from typing import Any

import orjson

loads = orjson.loads


def dumps(value: Any) -> str:
    """``value`` as JSON text (what SQLAlchemy's JSON columns store)."""
    return orjson.dumps(value).decode("utf-8")


def dumps_bytes(value: Any) -> bytes:
    """``value`` as UTF-8 JSON, ready for a request body."""
    return orjson.dumps(value)
